# worker/: runbox-worker, the async job daemon, and what it alone needs:
# callback delivery (libcurl, signed with libsodium); the URL guard it applies
# lives in common/ (runbox-fcgi checks callback_url with it on submit).
noinst_LIBRARIES += worker/librbxworker.a
worker_librbxworker_a_SOURCES = worker/callback.c
worker_librbxworker_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(SODIUM_CFLAGS)
noinst_HEADERS += worker/callback.h

sbin_PROGRAMS += worker/runbox-worker
worker_runbox_worker_SOURCES = worker/main.c worker/daemon.c worker/daemon.h worker/runner.c \
	worker/runner.h worker/deliver.c worker/deliver.h
worker_runbox_worker_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS) $(SODIUM_CFLAGS) -pthread
worker_runbox_worker_LDADD = worker/librbxworker.a fcgi/dialects/librbxshapes.a $(ENGINE_LIBS) $(RBX_STORE_LIBS) \
	common/librbxcommon.a $(CURL_LIBS) $(SODIUM_LIBS) $(JSONC_LIBS) $(INIH_LIBS) -lpthread
dist_man8_MANS += worker/runbox-worker.8
EXTRA_DIST += worker/README.md

WORKER_TEST_RECEIVER = tests/unit/worker/receiver.c tests/unit/worker/receiver.h
WORKER_LIBS = worker/librbxworker.a common/librbxcommon.a $(CURL_LIBS) $(SODIUM_LIBS) $(INIH_LIBS)

check_PROGRAMS += tests/unit/worker/test_callback
TESTS += tests/unit/worker/test_callback
tests_unit_worker_test_callback_SOURCES = tests/unit/worker/test_callback.c \
	$(WORKER_TEST_RECEIVER)
tests_unit_worker_test_callback_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_worker_test_callback_LDADD = $(WORKER_LIBS) $(CHECK_LIBS) -lpthread

check_PROGRAMS += tests/unit/worker/test_jobs
TESTS += tests/unit/worker/test_jobs
tests_unit_worker_test_jobs_SOURCES = tests/unit/worker/test_jobs.c $(STORE_TEST_FIXTURE)
tests_unit_worker_test_jobs_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_worker_test_jobs_LDADD = $(STORE_TEST_LDADD)

# The daemon under test with a stand-in engine (tests/unit/worker/fake_engine.c):
# test_daemon starts it as a real process against a real store.
check_PROGRAMS += tests/unit/worker/runbox-worker-fake tests/unit/worker/test_daemon
TESTS += tests/unit/worker/test_daemon
tests_unit_worker_runbox_worker_fake_SOURCES = worker/main.c worker/daemon.c worker/runner.c \
	worker/deliver.c tests/unit/worker/fake_engine.c
tests_unit_worker_runbox_worker_fake_CFLAGS = $(worker_runbox_worker_CFLAGS)
# The engine library only for its answer writer (engine/native.h): the fake
# defines every engine call the daemon makes, so no real engine object links.
tests_unit_worker_runbox_worker_fake_LDADD = worker/librbxworker.a $(RBX_STORE_LIBS) \
	fcgi/dialects/librbxshapes.a engine/librbxengine.a engine/librbxreport.a common/librbxcommon.a \
	$(CURL_LIBS) $(SODIUM_LIBS) $(XXHASH_LIBS) $(JSONC_LIBS) $(INIH_LIBS) -lpthread
tests_unit_worker_test_daemon_SOURCES = tests/unit/worker/test_daemon.c $(WORKER_TEST_RECEIVER)
tests_unit_worker_test_daemon_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS)
tests_unit_worker_test_daemon_LDADD = worker/librbxworker.a $(RBX_STORE_LIBS) common/librbxcommon.a $(CURL_LIBS) \
	$(INIH_LIBS) $(CHECK_LIBS) -lpthread

# The async integration tests run with the service's harness (tests/integration/run).
EXTRA_DIST += tests/integration/test_async.py

# fcgi/: runbox-fcgi, the pre-forked FastCGI pool (pool.c), its worker loop
# (serve.c), the route table (router.c), one handler file per resource
# (handle_*.c), HTTP plumbing and the error envelope (http.c), API keys
# (auth.c) and the per-key/global run caps (fairness.c).
noinst_LIBRARIES += fcgi/librbxfcgi.a
fcgi_librbxfcgi_a_SOURCES = fcgi/http.c fcgi/http.h fcgi/router.c fcgi/router.h \
	fcgi/auth.c fcgi/auth.h fcgi/cors.c fcgi/cors.h fcgi/fairness.c fcgi/fairness.h fcgi/service.h \
	fcgi/handle_health.c fcgi/handle_languages.c fcgi/handle_execute.c \
	fcgi/handle_validate.c fcgi/handle_history.c fcgi/handle_stats.c \
	fcgi/serve.c fcgi/serve.h fcgi/pool.c fcgi/pool.h
fcgi_librbxfcgi_a_SOURCES += fcgi/handle_async.c fcgi/handle_tasks.c fcgi/handle_metrics.c \
	fcgi/stored.c fcgi/stored.h
# fcgi/dialects/: the other APIs runbox speaks, one file each (dialect.h).
fcgi_librbxfcgi_a_SOURCES += fcgi/dialects/dialect.h fcgi/dialects/dialects.c \
	fcgi/dialects/execution.c fcgi/dialects/execute_test.c fcgi/dialects/cee.c \
	fcgi/dialects/judge0.c fcgi/dialects/judge0_info.c fcgi/dialects/judge0.h \
	fcgi/dialects/piston.c
fcgi_librbxfcgi_a_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS) $(JSONC_CFLAGS) $(UUID_CFLAGS)

# The shapes runbox-worker writes too (callbacks), over the run view.
noinst_LIBRARIES += fcgi/dialects/librbxshapes.a
fcgi_dialects_librbxshapes_a_SOURCES = fcgi/dialects/run_view.c fcgi/dialects/run_view.h \
	fcgi/dialects/shapes.h fcgi/dialects/judge0_shape.c fcgi/dialects/cee_shape.c \
	fcgi/dialects/callback_shape.c
fcgi_dialects_librbxshapes_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)

RBX_FCGI_LIBS = fcgi/librbxfcgi.a fcgi/dialects/librbxshapes.a $(ENGINE_LIBS) $(RBX_STORE_LIBS) common/librbxcommon.a \
	$(CURL_LIBS) $(FCGI_LIBS) $(UUID_LIBS) $(JSONC_LIBS) $(INIH_LIBS)

sbin_PROGRAMS += fcgi/runbox-fcgi
fcgi_runbox_fcgi_SOURCES = fcgi/main.c
fcgi_runbox_fcgi_CFLAGS = $(AM_CFLAGS) $(FCGI_CFLAGS) $(JSONC_CFLAGS)
fcgi_runbox_fcgi_LDADD = $(RBX_FCGI_LIBS)

check_PROGRAMS += tests/unit/fcgi/test_http tests/unit/fcgi/test_router tests/unit/fcgi/test_pool
TESTS += tests/unit/fcgi/test_http tests/unit/fcgi/test_router tests/unit/fcgi/test_pool
tests_unit_fcgi_test_http_SOURCES = tests/unit/fcgi/test_http.c
tests_unit_fcgi_test_http_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS)
tests_unit_fcgi_test_http_LDADD = $(RBX_FCGI_LIBS) $(CHECK_LIBS)
tests_unit_fcgi_test_router_SOURCES = tests/unit/fcgi/test_router.c
tests_unit_fcgi_test_router_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS)
tests_unit_fcgi_test_router_LDADD = $(RBX_FCGI_LIBS) $(CHECK_LIBS)
tests_unit_fcgi_test_pool_SOURCES = tests/unit/fcgi/test_pool.c
tests_unit_fcgi_test_pool_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_fcgi_test_pool_LDADD = fcgi/librbxfcgi.a common/librbxcommon.a $(CHECK_LIBS)

check_PROGRAMS += tests/unit/fcgi/test_stored
TESTS += tests/unit/fcgi/test_stored
tests_unit_fcgi_test_stored_SOURCES = tests/unit/fcgi/test_stored.c
tests_unit_fcgi_test_stored_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS)
tests_unit_fcgi_test_stored_LDADD = $(RBX_FCGI_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/fcgi/test_run_view
TESTS += tests/unit/fcgi/test_run_view
tests_unit_fcgi_test_run_view_SOURCES = tests/unit/fcgi/test_run_view.c
tests_unit_fcgi_test_run_view_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS)
tests_unit_fcgi_test_run_view_LDADD = $(RBX_FCGI_LIBS) $(CHECK_LIBS)

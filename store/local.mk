# store/: keys, run history and the job queue, on SQLite or PostgreSQL.
noinst_LIBRARIES += store/librbxstore.a
store_librbxstore_a_SOURCES = store/store.c store/migrations.c store/keys.c store/history.c \
	store/stats.c store/retention.c store/backup.c store/store_internal.h
store_librbxstore_a_SOURCES += store/db.h store/db_sqlite.c store/db_pg.c store/key_slots.c
store_librbxstore_a_SOURCES += store/jobs.c
noinst_HEADERS += store/jobs.h
store_librbxstore_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS) $(SODIUM_CFLAGS) \
	$(JSONC_CFLAGS)
noinst_HEADERS += store/store.h

# What a program linking the store adds to its LDADD.
RBX_STORE_LIBS = store/librbxstore.a common/librbxcommon.a $(SQLITE_LIBS) $(LIBPQ_LIBS) \
	$(SODIUM_LIBS) $(JSONC_LIBS)
RBX_STORE_LIBS += $(UUID_LIBS)

# Unit tests: one binary per concern, sharing a fixture.
STORE_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS) \
	$(UUID_CFLAGS)
STORE_TEST_LDADD = $(RBX_STORE_LIBS) $(UUID_LIBS) $(CHECK_LIBS)
STORE_TEST_FIXTURE = tests/unit/store/fixture.c tests/unit/store/fixture.h
check_PROGRAMS += tests/unit/store/test_open tests/unit/store/test_keys \
	tests/unit/store/test_history
TESTS += tests/unit/store/test_open tests/unit/store/test_keys tests/unit/store/test_history
tests_unit_store_test_open_SOURCES = tests/unit/store/test_open.c $(STORE_TEST_FIXTURE)
tests_unit_store_test_open_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_open_LDADD = $(STORE_TEST_LDADD)
tests_unit_store_test_keys_SOURCES = tests/unit/store/test_keys.c $(STORE_TEST_FIXTURE)
tests_unit_store_test_keys_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_keys_LDADD = $(STORE_TEST_LDADD)
tests_unit_store_test_history_SOURCES = tests/unit/store/test_history.c $(STORE_TEST_FIXTURE)
tests_unit_store_test_history_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_store_test_history_LDADD = $(STORE_TEST_LDADD)

# store/: the SQLite store (keys, run history, later the job queue).
noinst_LIBRARIES += store/librbxstore.a
store_librbxstore_a_SOURCES = store/store.c store/migrations.c store/keys.c store/history.c \
	store/stats.c store/retention.c store/store_internal.h
store_librbxstore_a_SOURCES += store/jobs.c
noinst_HEADERS += store/jobs.h
store_librbxstore_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(SODIUM_CFLAGS) $(JSONC_CFLAGS)
noinst_HEADERS += store/store.h

# What a program linking the store adds to its LDADD.
RBX_STORE_LIBS = store/librbxstore.a common/librbxcommon.a $(SQLITE_LIBS) $(SODIUM_LIBS) \
	$(JSONC_LIBS)
RBX_STORE_LIBS += $(UUID_LIBS)

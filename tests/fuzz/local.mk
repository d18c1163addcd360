# tests/fuzz: libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined)
# for the request parser, the query-string parser, the configuration parser,
# the language-definition loader and the FastCGI request assembly, with seed
# corpora under tests/fuzz/corpus. `make fuzz` builds them into tests/fuzz/
# of the build tree and runs each for FUZZ_SECONDS (default 60); scripts/check
# runs a smoke of a few seconds each.
# (headers in these lists are skipped by tests/fuzz/build)
FUZZ_SRC = $(common_librbxcommon_a_SOURCES) $(engine_librbxengine_a_SOURCES) \
	$(engine_librbxreport_a_SOURCES) $(engine_librbxargv_a_SOURCES) \
	$(engine_grading_librbxgrading_a_SOURCES) $(sandbox_librbxsandbox_a_SOURCES) \
	$(store_librbxstore_a_SOURCES) $(fcgi_librbxfcgi_a_SOURCES) \
	$(fcgi_dialects_librbxshapes_a_SOURCES) $(worker_librbxworker_a_SOURCES)
FUZZ_INC = $(DEFS) $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS) \
	$(SODIUM_CFLAGS) $(XXHASH_CFLAGS) $(SQLITE_CFLAGS) $(LIBPQ_CFLAGS) $(UUID_CFLAGS) $(FCGI_CFLAGS) \
	$(INIH_CFLAGS) $(SECCOMP_CFLAGS)
FUZZ_LINK = $(JSONC_LIBS) $(CURL_LIBS) $(SODIUM_LIBS) $(XXHASH_LIBS) $(SQLITE_LIBS) $(LIBPQ_LIBS) $(UUID_LIBS) \
	$(FCGI_LIBS) $(INIH_LIBS) $(SECCOMP_LIBS) -lm -lpthread
FUZZ_SECONDS ?= 60

fuzz-build: $(BUILT_SOURCES)
	$(top_srcdir)/tests/fuzz/build $(abs_top_srcdir) $(abs_top_builddir)/tests/fuzz \
	  -- $(FUZZ_INC) -- $(FUZZ_LINK) -- $(FUZZ_SRC)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(top_srcdir)/tests/fuzz/run $(abs_top_builddir)/tests/fuzz

.PHONY: fuzz fuzz-build
EXTRA_DIST += tests/fuzz

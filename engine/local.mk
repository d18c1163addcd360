# engine/: languages, request validation, compile-then-run in the sandbox,
# response JSON; the library shared by runbox-fcgi and runbox-worker.
noinst_LIBRARIES += engine/librbxengine.a
engine_librbxengine_a_SOURCES = \
	engine/engine.c \
	engine/language.c engine/language.h \
	engine/version.c \
	engine/request.c engine/request.h engine/run_input.c \
	engine/imports.c engine/imports.h engine/java_source.c engine/java_source.h \
	engine/limits.c engine/limits.h \
	engine/base64.c engine/text.h \
	engine/diagnostics.c engine/diagnostics.h \
	engine/workdir.c engine/workdir.h \
	engine/run.c engine/run.h \
	engine/compile_cache.c engine/compile_cache.h \
	engine/cache_tree.c engine/cache_tree.h \
	engine/native.c engine/native.h \
	engine/prebuilt.c engine/prebuilt.h \
	engine/grade.c engine/grade.h
engine_librbxengine_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SODIUM_CFLAGS) $(XXHASH_CFLAGS)
noinst_HEADERS += engine/engine.h

# The typed report (engine/report.h): its own library because grading, below
# the engine, fills it too.
noinst_LIBRARIES += engine/librbxreport.a
engine_librbxreport_a_SOURCES = engine/report.c engine/report.h
engine_librbxreport_a_CFLAGS = $(AM_CFLAGS)

# Expanding the definitions' command templates (engine/argv.c): its own
# library because grading's harnesses, below the engine, expand them too.
noinst_LIBRARIES += engine/librbxargv.a
engine_librbxargv_a_SOURCES = engine/argv.c
engine_librbxargv_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)

# What a program linking the engine needs after librbxengine.a.
ENGINE_LIBS = engine/librbxengine.a engine/grading/librbxgrading.a engine/librbxargv.a engine/librbxreport.a $(RBX_SANDBOX_LIBS) $(JSONC_LIBS) $(SODIUM_LIBS) $(XXHASH_LIBS) $(INIH_LIBS) -lm

# Unit tests of the engine's parts; test_execute drives the real sandbox.
ENGINE_TEST_LDADD = $(ENGINE_LIBS) $(CHECK_LIBS)
ENGINE_UNIT_TESTS = tests/unit/engine/test_request tests/unit/engine/test_language \
	tests/unit/engine/test_text tests/unit/engine/test_diagnostics \
	tests/unit/engine/test_workdir tests/unit/engine/test_response \
	tests/unit/engine/test_execute tests/unit/engine/test_compile_cache \
	tests/unit/engine/test_seed_sources
check_PROGRAMS += $(ENGINE_UNIT_TESTS)
TESTS += $(ENGINE_UNIT_TESTS)
noinst_HEADERS += tests/unit/engine/helpers.h
EXTRA_DIST += tests/unit/engine/samples tests/unit/engine/requests

tests_unit_engine_test_request_SOURCES = tests/unit/engine/test_request.c
tests_unit_engine_test_request_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_engine_test_request_LDADD = $(ENGINE_TEST_LDADD)
tests_unit_engine_test_seed_sources_SOURCES = tests/unit/engine/test_seed_sources.c
tests_unit_engine_test_seed_sources_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_engine_test_seed_sources_LDADD = $(ENGINE_TEST_LDADD)
tests_unit_engine_test_language_SOURCES = tests/unit/engine/test_language.c
tests_unit_engine_test_language_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_engine_test_language_LDADD = $(ENGINE_TEST_LDADD)
tests_unit_engine_test_text_SOURCES = tests/unit/engine/test_text.c
tests_unit_engine_test_text_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_engine_test_text_LDADD = $(ENGINE_TEST_LDADD)
tests_unit_engine_test_diagnostics_SOURCES = tests/unit/engine/test_diagnostics.c
tests_unit_engine_test_diagnostics_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_engine_test_diagnostics_LDADD = $(ENGINE_TEST_LDADD)
tests_unit_engine_test_workdir_SOURCES = tests/unit/engine/test_workdir.c
tests_unit_engine_test_workdir_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_engine_test_workdir_LDADD = $(ENGINE_TEST_LDADD)
tests_unit_engine_test_response_SOURCES = tests/unit/engine/test_response.c
tests_unit_engine_test_response_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_engine_test_response_LDADD = $(ENGINE_TEST_LDADD)
tests_unit_engine_test_execute_SOURCES = tests/unit/engine/test_execute.c \
	tests/unit/support/real_engine.c tests/unit/support/real_engine.h
tests_unit_engine_test_execute_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_engine_test_execute_LDADD = $(ENGINE_TEST_LDADD)
tests_unit_engine_test_compile_cache_SOURCES = tests/unit/engine/test_compile_cache.c \
	tests/unit/support/real_engine.c tests/unit/support/real_engine.h
tests_unit_engine_test_compile_cache_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_engine_test_compile_cache_LDADD = $(ENGINE_TEST_LDADD)

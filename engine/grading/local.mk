# engine/grading/: test cases, function-call harnesses and test code (issue 4).
# A library the engine links; the sandbox stays behind rbx_grading_runner.
noinst_LIBRARIES += engine/grading/librbxgrading.a
engine_grading_librbxgrading_a_SOURCES = \
	engine/grading/compare.c \
	engine/grading/spec.c \
	engine/grading/validate.c \
	engine/grading/driver.c \
	engine/grading/results.c \
	engine/grading/result_file.c \
	engine/grading/harness.c \
	engine/grading/harness_python.c \
	engine/grading/harness_javascript.c \
	engine/grading/harness_java.c \
	engine/grading/harness_cpp.c \
	engine/grading/harness_go.c \
	engine/grading/harness_c.c \
	engine/grading/harness_ctests.c
engine_grading_librbxgrading_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SODIUM_CFLAGS)
noinst_HEADERS += engine/grading/grading.h engine/grading/harness.h \
	engine/grading/results.h engine/grading/result_file.h \
	engine/grading/mode.h engine/grading/spec.h
EXTRA_DIST += engine/grading/README.md tests/unit/grading/requests

# Unit tests: comparison and validation alone; the driver and every harness
# through a fake runner that runs the real toolchains on the host (no sandbox).
# The engine library for its native writer only: the tests read answers as
# runbox writes them.
RBX_GRADING_TEST_LDADD = engine/librbxengine.a engine/grading/librbxgrading.a \
	engine/librbxargv.a engine/librbxreport.a common/librbxcommon.a $(SODIUM_LIBS) $(XXHASH_LIBS) $(JSONC_LIBS) $(CHECK_LIBS) -lm

check_PROGRAMS += tests/unit/grading/test_compare tests/unit/grading/test_validate \
	tests/unit/grading/test_harness
TESTS += tests/unit/grading/test_compare tests/unit/grading/test_validate \
	tests/unit/grading/test_harness
tests_unit_grading_test_compare_SOURCES = tests/unit/grading/test_compare.c
tests_unit_grading_test_compare_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_grading_test_compare_LDADD = $(RBX_GRADING_TEST_LDADD)
tests_unit_grading_test_validate_SOURCES = tests/unit/grading/test_validate.c
tests_unit_grading_test_validate_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_grading_test_validate_LDADD = $(RBX_GRADING_TEST_LDADD)
tests_unit_grading_test_harness_SOURCES = tests/unit/grading/test_harness.c \
	tests/unit/grading/fake_runner.c tests/unit/grading/fake_runner.h
tests_unit_grading_test_harness_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_grading_test_harness_LDADD = $(RBX_GRADING_TEST_LDADD)

EXTRA_DIST += bench/grading

# Grading through the real engine and sandbox (skipped where no box can run).
check_PROGRAMS += tests/unit/grading/test_engine_grading
TESTS += tests/unit/grading/test_engine_grading
tests_unit_grading_test_engine_grading_SOURCES = tests/unit/grading/test_engine_grading.c \
	tests/unit/support/real_engine.c tests/unit/support/real_engine.h
tests_unit_grading_test_engine_grading_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_grading_test_engine_grading_LDADD = $(ENGINE_LIBS) $(CHECK_LIBS) -lm

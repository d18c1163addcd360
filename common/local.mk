# common/: error reporting and configuration shared by every layer.
noinst_LIBRARIES += common/librbxcommon.a
common_librbxcommon_a_SOURCES = common/error.c common/config.c
noinst_HEADERS += common/error.h common/config.h

check_PROGRAMS += tests/unit/common/test_config
TESTS += tests/unit/common/test_config
tests_unit_common_test_config_SOURCES = tests/unit/common/test_config.c
tests_unit_common_test_config_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_common_test_config_LDADD = common/librbxcommon.a $(INIH_LIBS) $(CHECK_LIBS)

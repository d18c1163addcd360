# common/: error reporting and configuration shared by every layer.
noinst_LIBRARIES += common/librbxcommon.a
common_librbxcommon_a_SOURCES = common/error.c common/config.c common/slots.c common/io.c \
	common/clock.c common/url_guard.c common/json_strict.c common/cidr.c common/json_cap.c \
	common/wake.c common/metrics.c common/limits.c common/utf8.c
common_librbxcommon_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS)
noinst_HEADERS += common/error.h common/config.h common/slots.h common/io.h common/url_guard.h \
	common/clock.h common/json_strict.h common/cidr.h common/json_cap.h common/wake.h \
	common/metrics.h common/limits.h common/utf8.h common/run_record.h

check_PROGRAMS += tests/unit/common/test_io
TESTS += tests/unit/common/test_io
tests_unit_common_test_io_SOURCES = tests/unit/common/test_io.c
tests_unit_common_test_io_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_common_test_io_LDADD = common/librbxcommon.a $(CHECK_LIBS)

check_PROGRAMS += tests/unit/common/test_config
TESTS += tests/unit/common/test_config
tests_unit_common_test_config_SOURCES = tests/unit/common/test_config.c
tests_unit_common_test_config_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_common_test_config_LDADD = common/librbxcommon.a $(INIH_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/common/test_slots
TESTS += tests/unit/common/test_slots
tests_unit_common_test_slots_SOURCES = tests/unit/common/test_slots.c
tests_unit_common_test_slots_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_common_test_slots_LDADD = common/librbxcommon.a $(CHECK_LIBS)

check_PROGRAMS += tests/unit/common/test_url_guard
TESTS += tests/unit/common/test_url_guard
tests_unit_common_test_url_guard_SOURCES = tests/unit/common/test_url_guard.c
tests_unit_common_test_url_guard_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_common_test_url_guard_LDADD = common/librbxcommon.a $(CURL_LIBS) $(INIH_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/common/test_json_strict
TESTS += tests/unit/common/test_json_strict
tests_unit_common_test_json_strict_SOURCES = tests/unit/common/test_json_strict.c
tests_unit_common_test_json_strict_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_common_test_json_strict_LDADD = common/librbxcommon.a $(CHECK_LIBS)

check_PROGRAMS += tests/unit/common/test_json_cap
TESTS += tests/unit/common/test_json_cap
tests_unit_common_test_json_cap_SOURCES = tests/unit/common/test_json_cap.c
tests_unit_common_test_json_cap_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(JSONC_CFLAGS)
tests_unit_common_test_json_cap_LDADD = common/librbxcommon.a $(JSONC_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/common/test_limits
TESTS += tests/unit/common/test_limits
tests_unit_common_test_limits_SOURCES = tests/unit/common/test_limits.c
tests_unit_common_test_limits_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_common_test_limits_LDADD = common/librbxcommon.a $(INIH_LIBS) $(CHECK_LIBS)

check_PROGRAMS += tests/unit/common/test_utf8
TESTS += tests/unit/common/test_utf8
tests_unit_common_test_utf8_SOURCES = tests/unit/common/test_utf8.c
tests_unit_common_test_utf8_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_common_test_utf8_LDADD = common/librbxcommon.a $(CHECK_LIBS)

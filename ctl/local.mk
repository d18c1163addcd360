# ctl/: runboxctl, the administrator's tool for keys and history retention.
sbin_PROGRAMS += ctl/runboxctl
ctl_runboxctl_SOURCES = ctl/runboxctl.c ctl/commands.c ctl/key_json.c ctl/ctl.h
ctl_runboxctl_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SODIUM_CFLAGS)
ctl_runboxctl_LDADD = $(RBX_STORE_LIBS) $(INIH_LIBS)
dist_man8_MANS += ctl/runboxctl.8

# Runs the built binary against a temporary store (shares the store tests' fixture).
check_PROGRAMS += tests/unit/ctl/test_runboxctl
TESTS += tests/unit/ctl/test_runboxctl
tests_unit_ctl_test_runboxctl_SOURCES = tests/unit/ctl/test_runboxctl.c ctl/key_json.c \
	$(STORE_TEST_FIXTURE)
tests_unit_ctl_test_runboxctl_CFLAGS = $(STORE_TEST_CFLAGS)
tests_unit_ctl_test_runboxctl_LDADD = $(STORE_TEST_LDADD)

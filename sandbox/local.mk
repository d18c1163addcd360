# sandbox/: run one untrusted program in a fresh box (see sandbox/README.md).
noinst_LIBRARIES += sandbox/librbxsandbox.a
sandbox_librbxsandbox_a_SOURCES = \
	sandbox/box.c sandbox/box_init.c sandbox/settings.c sandbox/uid_slots.c \
	sandbox/ns_user.c sandbox/mounts.c sandbox/network.c sandbox/credentials.c \
	sandbox/rlimits.c sandbox/seccomp.c sandbox/cgroup.c sandbox/cgroup_v1.c \
	sandbox/cgroup_v2.c sandbox/output.c sandbox/status.c sandbox/probe.c \
	sandbox/host_files.c sandbox/box_files.c
sandbox_librbxsandbox_a_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
noinst_HEADERS += sandbox/sandbox.h sandbox/host_files.h sandbox/internal.h
EXTRA_DIST += sandbox/README.md tests/toolchains/run

# What a program linking the sandbox needs.
RBX_SANDBOX_LIBS = sandbox/librbxsandbox.a common/librbxcommon.a $(SECCOMP_LIBS)

bin_PROGRAMS += runbox-sandbox
runbox_sandbox_SOURCES = sandbox/cli.c
runbox_sandbox_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
runbox_sandbox_LDADD = $(RBX_SANDBOX_LIBS) $(JSONC_LIBS)
dist_man1_MANS += sandbox/runbox-sandbox.1

# Unit tests (Check), run as root in CI; see tests/unit/sandbox/.
check_PROGRAMS += tests/unit/sandbox/test_sandbox tests/unit/sandbox/test_host_files
TESTS += tests/unit/sandbox/test_sandbox tests/unit/sandbox/test_host_files
tests_unit_sandbox_test_sandbox_SOURCES = tests/unit/sandbox/test_sandbox.c
tests_unit_sandbox_test_sandbox_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_sandbox_test_sandbox_LDADD = $(RBX_SANDBOX_LIBS) $(CHECK_LIBS)
tests_unit_sandbox_test_host_files_SOURCES = tests/unit/sandbox/test_host_files.c
tests_unit_sandbox_test_host_files_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
tests_unit_sandbox_test_host_files_LDADD = $(RBX_SANDBOX_LIBS) $(CHECK_LIBS)

# sandbox/: run one untrusted program in a fresh box (see sandbox/README.md).
noinst_LIBRARIES += sandbox/librbxsandbox.a
sandbox_librbxsandbox_a_SOURCES = \
	sandbox/box.c sandbox/box_build.c sandbox/box_keep.c sandbox/box_init.c sandbox/launch.c sandbox/fd_passing.c \
	sandbox/settings.c sandbox/uid_slots.c \
	sandbox/ns_user.c sandbox/mounts.c sandbox/network.c sandbox/credentials.c \
	sandbox/rlimits.c sandbox/seccomp.c sandbox/seccomp_rules.c sandbox/cgroup.c \
	sandbox/cgroup_v1.c sandbox/cgroup_v2.c sandbox/output.c sandbox/status.c \
	sandbox/probe.c sandbox/host_files.c sandbox/box_files.c sandbox/clone3.c
sandbox_librbxsandbox_a_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
nodist_sandbox_librbxsandbox_a_SOURCES = sandbox/seccomp_filter.h
noinst_HEADERS += sandbox/sandbox.h sandbox/host_files.h sandbox/internal.h \
	sandbox/seccomp_rules.h

# The seccomp filter, compiled from seccomp_rules.c by libseccomp at build
# time (seccomp.c falls back to compiling it at run time on another arch).
noinst_PROGRAMS += sandbox/seccomp-gen
sandbox_seccomp_gen_SOURCES = sandbox/seccomp_gen.c sandbox/seccomp_rules.c
sandbox_seccomp_gen_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
sandbox_seccomp_gen_LDADD = $(SECCOMP_LIBS)
sandbox/seccomp_filter.h: sandbox/seccomp-gen$(EXEEXT)
	$(AM_V_GEN)$(MKDIR_P) sandbox && sandbox/seccomp-gen$(EXEEXT) > $@.tmp && mv $@.tmp $@
BUILT_SOURCES += sandbox/seccomp_filter.h
CLEANFILES += sandbox/seccomp_filter.h
EXTRA_DIST += sandbox/README.md tests/toolchains/run

# What a program linking the sandbox needs.
RBX_SANDBOX_LIBS = sandbox/librbxsandbox.a common/librbxcommon.a $(SECCOMP_LIBS)

# The box's pid 1, exec'd by the supervisor for every box (box_init_exec.c).
pkglibexec_PROGRAMS = runbox-box-init
runbox_box_init_SOURCES = sandbox/box_init_exec.c
runbox_box_init_LDADD = $(RBX_SANDBOX_LIBS)
if !SANITIZERS
# Static: it is exec'd for every box, and a static exec skips the dynamic
# loader's work (about half a millisecond here); a static PIE where the C
# library has one (configure). ASan cannot link statically.
runbox_box_init_LDFLAGS = $(HARDEN_STATIC_LDFLAGS)
endif

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

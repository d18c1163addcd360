# tests/: see the layer's README or header for what lives here.

# A throwaway PostgreSQL server for the store tests, tests/cluster and bench/cluster.
EXTRA_DIST += tests/lib/pg-server

# The cluster suite (tests/cluster/run, started by scripts/check): three hosts
# in network namespaces on one PostgreSQL store, behind nginx/runbox-cluster.conf.
EXTRA_DIST += tests/cluster/run tests/cluster/cluster.py

# Integration tests (tests/integration/run, started by scripts/check).
EXTRA_DIST += tests/integration/run tests/integration/conftest.py \
	tests/integration/test_languages.py tests/integration/test_execute.py \
	tests/integration/test_history.py tests/integration/test_keys.py \
	tests/integration/test_concurrency.py tests/integration/test_pool.py \
	tests/integration/test_bad_input.py tests/integration/test_grading.py \
	tests/integration/test_async.py tests/integration/test_seed_fields.py \
	tests/integration/test_seed_platforms.py tests/integration/test_judge0.py \
	tests/integration/judge0_client.py tests/integration/test_piston.py \
	tests/integration/clients/package.json tests/integration/clients/package-lock.json \
	tests/integration/clients/piston_run.mjs \
	tests/integration/test_openapi.py tests/integration/openapi.py \
	tests/integration/test_ops.py \
	tests/integration/test_metrics.py tests/integration/test_cors.py

# The playground in headless Chromium (tests/browser/run, started by
# scripts/check; playwright-core is installed into the build tree).
EXTRA_DIST += tests/browser/run tests/browser/README.md tests/browser/package.json \
	tests/browser/package-lock.json tests/browser/playground.js \
	tests/browser/lib/browser.js tests/browser/lib/runner.js tests/browser/lib/stack.js

# The security suite (tests/security/run): hostile programs run through
# runbox-sandbox by scripts/check; shipped so it can run from a tarball too.
EXTRA_DIST += tests/security/run tests/security/README.md \
	tests/security/host_files_driver.c \
	tests/security/harness/__init__.py tests/security/harness/box.py \
	tests/security/harness/host.py tests/security/harness/suite.py \
	tests/security/cases/__init__.py tests/security/cases/filesystem.py \
	tests/security/cases/limits.py tests/security/cases/links.py \
	tests/security/cases/neighbours.py tests/security/cases/network.py \
	tests/security/cases/processes.py tests/security/cases/syscalls.py \
	tests/security/hostile/hostile.h tests/security/hostile/cpu_spin.c \
	tests/security/hostile/creds.c tests/security/hostile/daemon.c \
	tests/security/hostile/fd_exhaust.c tests/security/hostile/fork_bomb.c \
	tests/security/hostile/fsprobe.c tests/security/hostile/memory_bomb.c \
	tests/security/hostile/neighbour.c tests/security/hostile/net.c \
	tests/security/hostile/output_flood.c tests/security/hostile/rlimits.c \
	tests/security/hostile/signals.c tests/security/hostile/sleeper.c \
	tests/security/hostile/stack_overflow.c tests/security/hostile/syscalls.c

# The Debian package (tests/deb/run builds, installs and purges it; run by scripts/check).
EXTRA_DIST += tests/deb/run debian/control debian/rules debian/changelog debian/copyright \
	debian/source/format debian/runbox.postinst debian/runbox.postrm \
	debian/runbox.lintian-overrides

# The cgroup v2 guest (tests/cgroup2/run): QEMU, Debian's kernel package,
# busybox-static; the checks run inside it.
EXTRA_DIST += tests/cgroup2/run tests/cgroup2/README.md tests/cgroup2/initramfs-init \
	tests/cgroup2/guest tests/cgroup2/checks.sh tests/cgroup2/systemd.sh \
	tests/cgroup2/fcgi_request.py
noinst_HEADERS += tests/unit/support/check_main.h tests/unit/support/fixture.h

# The systemd guest (tests/cgroup2/run boots it as guest "systemd"): systemd
# 252 from the shared root is pid 1, and the shipped units (systemd/*.in,
# filled in as `make` does, with the build tree's programs) run for real:
# runbox-fcgi.socket activates runbox-fcgi.service, runbox-worker.service runs
# async jobs, both with Delegate=yes and User=runbox. rbx-cgroup2.service runs
# systemd_checks against them and powers the guest off.

# As pid 1, before exec'ing systemd: units, config, the service account.
systemd_prepare() {
  local sbin=/usr/local/lib/rbx-cgroup2/sbin etc=/etc/systemd/system unit
  mkdir -p "$sbin" /etc/runbox /etc/tmpfiles.d /etc/sysusers.d
  ln -sf "$RUNBOX_BUILD/fcgi/runbox-fcgi" "$sbin/runbox-fcgi"
  ln -sf "$RUNBOX_BUILD/worker/runbox-worker" "$sbin/runbox-worker"
  subst() { sed -e "s|@sbindir@|$sbin|g" -e "s|@sysconfdir@|/etc|g" -e "s|@localstatedir@|/var|g" "$@"; }
  for unit in runbox-fcgi.service runbox-worker.service; do
    subst "$RUNBOX_SRCDIR/systemd/$unit.in" >"$etc/$unit"
    # The programs and language definitions are the tree's, which may be a
    # checkout below /tmp (CI clones anywhere) that the units' PrivateTmp=
    # would hide: the tree is bound into their namespace, read-only. The
    # shipped units themselves are run unchanged.
    mkdir -p "$etc/$unit.d"
    printf '[Service]\nBindReadOnlyPaths=%s %s\n' "$RUNBOX_SRCDIR" "$RUNBOX_BUILD" \
      >"$etc/$unit.d/rbx-cgroup2-tree.conf"
  done
  cp "$RUNBOX_SRCDIR/systemd/runbox-fcgi.socket" "$etc/"
  subst "$RUNBOX_SRCDIR/systemd/runbox.tmpfiles.in" >/etc/tmpfiles.d/runbox.conf
  cp "$RUNBOX_SRCDIR/systemd/runbox.sysusers" /etc/sysusers.d/runbox.conf
  cat >/etc/runbox/runbox.conf <<CONF
[server]
workers = 2
state_dir = /var/lib/runbox
languages_dir = $RUNBOX_SRCDIR/languages
CONF
  chmod 644 /etc/runbox/runbox.conf
  cat >"$etc/rbx-cgroup2.target" <<UNIT
[Unit]
Description=runbox cgroup v2 guest
Requires=basic.target
After=basic.target
Wants=runbox-fcgi.socket runbox-worker.service rbx-cgroup2.service
UNIT
  cat >"$etc/rbx-cgroup2.service" <<UNIT
[Unit]
Description=runbox cgroup v2 guest: checks of the units
After=runbox-fcgi.socket runbox-worker.service

[Service]
Type=oneshot
Environment=RBX_SYSTEMD_CHECKS=1
ExecStart=$RUNBOX_SRCDIR/tests/cgroup2/guest $RBX_OUT
StandardOutput=journal+console
UNIT
  # The host's tmpfiles.d over 9p take minutes under emulation: only ours.
  cat >"$etc/rbx-cgroup2-tmpfiles.service" <<UNIT
[Unit]
Description=runbox cgroup v2 guest: runbox's tmpfiles.d only
DefaultDependencies=no
After=systemd-sysusers.service
Before=sysinit.target runbox-fcgi.socket

[Service]
Type=oneshot
ExecStart=systemd-tmpfiles --create /etc/tmpfiles.d/runbox.conf
UNIT
  mkdir -p "$etc/sysinit.target.wants"
  ln -sf "$etc/rbx-cgroup2-tmpfiles.service" "$etc/sysinit.target.wants/"
  # Nothing of the host's own that sysinit would wait for.
  for unit in systemd-tmpfiles-setup.service systemd-tmpfiles-setup-dev.service \
    systemd-journal-flush.service systemd-udev-trigger.service systemd-udev-settle.service \
    systemd-networkd-wait-online.service systemd-timesyncd.service apt-daily.timer \
    apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer logrotate.timer \
    systemd-tmpfiles-clean.timer; do
    ln -sf /dev/null "$etc/$unit"
  done
}

# Does the cgroup hold processes? (cgroup files have no size to test.)
procs_in() { # dir
  local procs
  procs=$(tr '\n' ' ' <"$1/cgroup.procs")
  echo "$1: ${procs:-no process}"
  [ -n "$procs" ]
}

systemd_unit_state() { # unit
  systemctl show -p ActiveState --value "$1"
}

check_systemd_units() {
  local u rc=0
  for u in runbox-fcgi.socket runbox-worker.service; do
    expect "$u" "$(systemd_unit_state "$u")" active || rc=1
  done
  return $rc
}

# A request through the socket starts the service (socket activation).
check_systemd_request() {
  local sock=/run/runbox/fcgi.sock svc=$cg/system.slice/runbox-fcgi.service j key got rc=0
  j=$(fcgi "$sock" GET /api/v1/code/health --wait 60) || rc=1
  echo "$j"
  expect rootless "$(field "$j" isolation | field_of rootless)" true || rc=1
  expect cgroup_dir "$(field "$j" isolation | field_of cgroup_dir)" "$svc/runbox" || rc=1
  key=$(runuser -u runbox -- "$RUNBOX_BUILD/ctl/runboxctl" --config /etc/runbox/runbox.conf \
    key create --user cgroup2 | sed -n 's/^key: *//p')
  [ -n "$key" ] || { echo "no API key"; rc=1; }
  echo "$key" >/run/rbx-cgroup2.key
  j=$(fcgi "$sock" POST /api/v1/code/execute --key "$key" \
    --body '{"language": "python", "code": "print(6 * 7)"}') || rc=1
  echo "$j"
  expect "execute's output" "$(field "$j" output)" 42 || rc=1
  expect runbox-fcgi.service "$(systemd_unit_state runbox-fcgi.service)" active || rc=1
  procs_in "$svc/supervisor" || rc=1
  return $rc
}

# An async job: the worker runs it in boxes under its own delegated cgroup.
# The worker starts first here and creates the database; its delivery
# thread's connection once dropped the process's SQLite lock, so the pool's
# first close deleted the WAL under it and the job stayed queued forever
# (store/db_sqlite.c, create_private_file).
check_systemd_async() {
  local sock=/run/runbox/fcgi.sock key j id status i rc=0
  key=$(cat /run/rbx-cgroup2.key 2>/dev/null) || { echo "no key from systemd_request"; return 1; }
  j=$(fcgi "$sock" POST /api/v1/code/execute/async --key "$key" \
    --body '{"language": "python", "code": "print(6 * 7)"}') || return 1
  echo "$j"
  id=$(field "$j" id)
  local until=$(($(date +%s) + 90))
  while [ "$(date +%s)" -lt $until ]; do
    j=$(fcgi "$sock" GET "/api/v1/code/tasks/$id" --key "$key" 2>/dev/null) || return 1
    status=$(field "$j" status)
    [ "$status" = queued ] || [ "$status" = running ] || break
    sleep 1
  done
  echo "$j"
  [ "$status" = done ] || journalctl -b --no-pager -u runbox-worker.service
  expect "task status" "$status" done || rc=1
  expect "job's output" "$(field "$j" result | field_of output)" 42 || rc=1
  procs_in "$cg/system.slice/runbox-worker.service/supervisor" || rc=1
  return $rc
}

systemd_checks() {
  check systemd_units check_systemd_units
  check systemd_request check_systemd_request
  check systemd_async check_systemd_async
  journalctl -b --no-pager -o short-monotonic >"$out/log.journal" 2>&1
  echo done >>"$out/results"
  sync
  systemctl poweroff --no-block
}

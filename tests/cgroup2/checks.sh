# The checks the cgroup v2 guest runs (sourced by tests/cgroup2/guest, as root
# in the guest, at the cgroup v2 root with memory, pids and cpu enabled). Each
# is a function: exit 0 passes, 77 skips, else fails; its output is the
# suite's log of the check.

# A field of the CLI's one-line JSON report.
field() { # json key
  python3 -c 'import json, sys
v = json.loads(sys.argv[1])[sys.argv[2]]
print(v if isinstance(v, (str, int, float)) and not isinstance(v, bool) else json.dumps(v))' "$1" "$2"
}
expect() { # what actual wanted
  if [ "$2" != "$3" ]; then echo "$1: got '$2', want '$3'"; return 1; fi
  echo "$1: $2"
}
# A report of the CLI, echoed for the log.
sandbox() { # cli args...
  local j
  j=$("$cli" "$@")
  echo "$j" >&2
  echo "$j"
}

# Touches 100 MB (a bytearray of zeros would stay untouched).
mem_hog='b = b"x" * (100 << 20)'
# Forks until refused, each child asleep; prints how many forks succeeded.
fork_count='import os, time
n = 0
for _ in range(20):
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        n += 1
    except OSError:
        break
print(n)'

# A FastCGI request to a pool's socket; the answer's JSON body on stdout.
fcgi() { # socket method path [--key K] [--body JSON]
  python3 "$RUNBOX_SRCDIR/tests/cgroup2/fcgi_request.py" "$@"
}
# field, of the JSON object on stdin.
field_of() { # key
  field "$(cat)" "$1"
}
api_key() { # config
  "$RUNBOX_BUILD/ctl/runboxctl" --config "$1" key create --user cgroup2 | sed -n 's/^key: *//p'
}

check_probe() {
  local j
  j=$(sandbox --probe) || return 1
  expect cgroup "$(field "$j" cgroup)" v2 &&
    expect controllers "$(field "$j" cgroup_controllers)" "memory pids cpu" &&
    expect cgroup_dir "$(field "$j" cgroup_dir)" "$cg/runbox"
}

check_memory() {
  local j
  j=$(sandbox --memory-kb 32768 --wall-ms 60000 -- /usr/bin/python3 -c "$mem_hog") || return 1
  expect status "$(field "$j" status)" memory_limit && expect oom "$(field "$j" oom)" true
}

# The box's init is cloned straight into its cgroup (clone3 with
# CLONE_INTO_CGROUP, by the CLI's own process: traced without -f; the memory
# check runs on that path). Where clone3 is refused (ENOSYS: an older kernel,
# a container's seccomp profile; injected here) it falls back to clone and a
# cgroup.procs write, and the memory limit still holds.
check_clone_into_cgroup() {
  local trace=/tmp/rbx-clone3.trace j rc=0
  j=$(strace -o $trace -e trace=clone3,clone "$cli" --wall-ms 60000 -- /bin/true) || rc=1
  echo "$j"
  grep clone $trace
  expect "status (clone3)" "$(field "$j" status)" ok || rc=1
  grep -qE '^clone3\(\{flags=[^}]*CLONE_INTO_CGROUP[^}]*cgroup=[0-9]+\}.*\) = [0-9]+$' $trace ||
    { echo "no successful clone3 into the box cgroup"; rc=1; }
  j=$(strace -o $trace -e trace=clone3,clone -e inject=clone3:error=ENOSYS "$cli" --memory-kb 32768 \
    --wall-ms 60000 -- /usr/bin/python3 -c "$mem_hog") || rc=1
  echo "$j"
  grep clone $trace
  expect "status (fallback)" "$(field "$j" status)" memory_limit || rc=1
  grep -qE '^clone\(.*CLONE_NEWUSER.*\) = [0-9]+$' $trace || { echo "no fallback clone"; rc=1; }
  return $rc
}

check_memory_peak() {
  local j kb
  j=$(sandbox --memory-kb 65536 --wall-ms 60000 -- /usr/bin/python3 -c 'b = b"x" * (20 << 20)') ||
    return 1
  expect status "$(field "$j" status)" ok || return 1
  kb=$(field "$j" memory_kb)
  echo "memory_kb $kb (memory.peak)"
  [ "$kb" -ge 20480 ] && [ "$kb" -le 65536 ]
}

check_processes() {
  local j
  j=$(sandbox --processes 5 --wall-ms 60000 -- /usr/bin/python3 -c "$fork_count") || return 1
  expect forks "$(field "$j" stdout | tr -d '\n')" 4
}

check_cpu_time() {
  local j ms
  j=$(sandbox --cpu-ms 500 --wall-ms 30000 -- /bin/sh -c 'while :; do :; done') || return 1
  expect status "$(field "$j" status)" time_limit || return 1
  ms=$(field "$j" cpu_time_ms)
  echo "cpu_time_ms $ms"
  [ "$ms" -ge 500 ]
}

# cpu.max: 200/1000 of a CPU for 3 s of wall time gives about 0.6 s of CPU.
check_cpu_share() {
  local j cpu wall
  j=$(sandbox --cpu-share-milli 200 --wall-ms 3000 -- /bin/sh -c 'while :; do :; done') || return 1
  expect status "$(field "$j" status)" time_limit || return 1
  cpu=$(field "$j" cpu_time_ms) wall=$(field "$j" wall_time_ms)
  echo "cpu_time_ms $cpu over wall_time_ms $wall"
  [ $((cpu * 100)) -ge $((wall * 10)) ] && [ $((cpu * 100)) -le $((wall * 30)) ]
}

check_wall_time() {
  local j ms
  j=$(sandbox --wall-ms 500 -- /bin/sleep 5) || return 1
  expect status "$(field "$j" status)" time_limit || return 1
  ms=$(field "$j" wall_time_ms)
  [ "$ms" -ge 500 ] && [ "$ms" -lt 5000 ]
}

check_output() {
  local j
  j=$(sandbox --output-kb 1 --wall-ms 30000 -- /usr/bin/yes) || return 1
  expect status "$(field "$j" status)" output_limit && expect truncated "$(field "$j" truncated)" true
}

# ---- delegation: a cgroup that holds the service's own process, as systemd's
# Delegate=yes gives one (runbox-fcgi.service, runbox-worker.service).

# Run a command as the only process of cgroup $1 (like a service's main process).
# (A command, not a function: started with & its pid is the program's.)
in_cgroup=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"')
in_cgroup() { # dir command...
  "${in_cgroup[@]}" "$@"
}
remove_cgroup() { # dir: the tree runbox made under it, then it
  local d i
  for d in $(find "$1" -mindepth 1 -depth -type d 2>/dev/null) "$1"; do
    # A cgroup stays busy for a moment after its last process was reaped.
    for i in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2>/dev/null && break; sleep 0.1; done
    [ ! -d "$d" ] || { echo "cannot remove $d"; return 1; }
  done
}

check_delegated() {
  local svc=$cg/rbx-test.service j rc=0
  mkdir "$svc" || return 1
  j=$(in_cgroup "$svc" "$cli" --memory-kb 32768 --wall-ms 60000 -- /usr/bin/python3 -c "$mem_hog")
  echo "$j"
  expect status "$(field "$j" status)" memory_limit || rc=1
  # A later process of the same service (its cgroup now holds none itself).
  j=$(in_cgroup "$svc/supervisor" "$cli" --probe)
  echo "$j"
  expect cgroup_dir "$(field "$j" cgroup_dir)" "$svc/runbox" || rc=1
  expect subtree_control "$(cat "$svc/cgroup.subtree_control")" "cpu memory pids" || rc=1
  [ -d "$svc/supervisor" ] || { echo "no $svc/supervisor"; rc=1; }
  remove_cgroup "$svc" || rc=1
  return $rc
}

# The pool: the master moves into supervisor/ before forking its workers;
# boxes of every worker go under runbox/.
check_delegated_pool() {
  local svc=$cg/rbx-pool.service state=/tmp/rbx-pool-state rc=0 pid
  mkdir "$svc" "$state" || return 1
  cat >"$state/runbox.conf" <<CONF
[server]
socket = $state/fcgi.sock
workers = 2
state_dir = $state
languages_dir = $RUNBOX_SRCDIR/languages
CONF
  "${in_cgroup[@]}" "$svc" "$RUNBOX_BUILD/fcgi/runbox-fcgi" --config "$state/runbox.conf" &
  pid=$!
  local j key got
  j=$(fcgi "$state/fcgi.sock" GET /api/v1/code/health) || rc=1
  echo "$j"
  expect cgroup_dir "$(field "$j" isolation | field_of cgroup_dir)" "$svc/runbox" || rc=1
  key=$(api_key "$state/runbox.conf")
  j=$(fcgi "$state/fcgi.sock" POST /api/v1/code/execute --key "$key" \
    --body '{"language": "python", "code": "print(6 * 7)"}') || rc=1
  echo "$j"
  got=$(field "$j" output)
  expect "execute's output" "$got" 42 || rc=1
  echo "supervisor: $(cat "$svc/supervisor/cgroup.procs" | tr '\n' ' ')"
  [ "$(wc -l <"$svc/supervisor/cgroup.procs")" -ge 3 ] || { echo "master and workers not in supervisor/"; rc=1; }
  kill -TERM $pid
  wait $pid
  remove_cgroup "$svc" || rc=1
  rm -rf "$state"
  return $rc
}

# The host's /etc is seen live: a host suite may have made the account's
# group (or all of it) after the guest booted, so an existing group is used.
rootless_user() {
  local group=()
  id -u runbox-sectest >/dev/null 2>&1 && return 0
  getent group runbox-sectest >/dev/null && group=(-g runbox-sectest)
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    "${group[@]}" runbox-sectest
}

# What systemd does for a user's user@.service (or a User= service with
# Delegate=yes): the cgroup and its cgroup.procs, cgroup.subtree_control and
# cgroup.threads belong to the user.
check_delegated_rootless() {
  local svc=$cg/rbx-user.service j rc=0 u run=/tmp/rbx-rootless-run
  rootless_user || return 1
  u=$(id -u runbox-sectest)
  mkdir "$svc" "$run" || return 1
  chown "$u:$u" "$svc" "$svc/cgroup.procs" "$svc/cgroup.subtree_control" "$svc/cgroup.threads" "$run"
  j=$(in_cgroup "$svc" setpriv --reuid "$u" --regid "$u" --clear-groups env XDG_RUNTIME_DIR="$run" \
    "$cli" --memory-kb 32768 --wall-ms 60000 -- /usr/bin/python3 -c "$mem_hog")
  echo "$j"
  expect status "$(field "$j" status)" memory_limit || rc=1
  j=$(in_cgroup "$svc/supervisor" setpriv --reuid "$u" --regid "$u" --clear-groups \
    env XDG_RUNTIME_DIR="$run" "$cli" --probe)
  echo "$j"
  expect rootless "$(field "$j" rootless)" true || rc=1
  expect cgroup_dir "$(field "$j" cgroup_dir)" "$svc/runbox" || rc=1
  remove_cgroup "$svc" || rc=1
  rm -rf "$run"
  return $rc
}

# A delegated cgroup without the cpu controller: a clear error at start.
check_missing_controller() {
  local slice=$cg/rbx-nocpu.slice j rc=0
  mkdir "$slice" && echo "+memory +pids" >"$slice/cgroup.subtree_control" && mkdir "$slice/svc" || return 1
  j=$(in_cgroup "$slice/svc" "$cli" --probe)
  echo "$j"
  [[ $(field "$j" message) == *"without the cpu controller"* ]] || rc=1
  remove_cgroup "$slice" || rc=1
  return $rc
}

# A delegated cgroup that holds another process: v2 cannot enable controllers.
check_busy_cgroup() {
  local svc=$cg/rbx-busy.service j rc=0 other
  mkdir "$svc" || return 1
  "${in_cgroup[@]}" "$svc" sleep 60 &
  other=$!
  sleep 0.2
  j=$(in_cgroup "$svc" "$cli" --probe)
  echo "$j"
  [[ $(field "$j" message) == *"holds other processes ($other"* ]] || rc=1
  kill $other
  wait $other 2>/dev/null
  remove_cgroup "$svc" || rc=1
  return $rc
}

check_unit_sandbox() {
  local t=$RUNBOX_BUILD/tests/unit/sandbox/test_sandbox
  [ -x "$t" ] || { echo "no $t (make check builds it)"; return 77; }
  (cd "$RUNBOX_BUILD" && CK_DEFAULT_TIMEOUT=120 "$t")
}

check_security_root() {
  python3 "$RUNBOX_SRCDIR/tests/security/run" --mode root
}

check_security_rootless() {
  rootless_user || return 1
  python3 "$RUNBOX_SRCDIR/tests/security/run" --mode rootless
}

# Every check, in the order it runs, with the guest it runs in: the guests
# boot at once (each 1 vCPU), so the two security modes do not add up; the
# systemd guest's checks are in systemd.sh.
CHECKS=(
  "probe b" "memory b" "memory_peak b" "processes b" "cpu_time b" "cpu_share b"
  "wall_time b" "output b" "delegated b" "delegated_rootless b" "delegated_pool b"
  "missing_controller b" "busy_cgroup b" "security_rootless b"
  "clone_into_cgroup a" "unit_sandbox a" "security_root a"
  "systemd_units systemd" "systemd_request systemd" "systemd_async systemd"
)

"""What the host looks like: processes, mounts, cgroups, files.

Everything here reads the host from the runner's (root) point of view, so a
case can say "this did not change" and the final check can say "nothing was
left behind".
"""

import glob
import hashlib
import os
import stat
import threading
import time

CGROUP_ROOT = "/sys/fs/cgroup"
TICKS = os.sysconf("SC_CLK_TCK")


def now_since_boot():
    """The clock /proc/<pid>/stat start times are counted on."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def own_pidns():
    return os.readlink("/proc/self/ns/pid")


def processes():
    """pid -> dict(uid, comm, cmdline, pidns) of every live process."""
    procs = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            with open(f"/proc/{pid}/status") as f:
                status = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            pidns = os.readlink(f"/proc/{pid}/ns/pid")
            with open(f"/proc/{pid}/stat") as f:
                start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        except (OSError, ValueError, IndexError):
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("State", "").strip().startswith("Z"):
            continue  # a zombie is already dead; its parent is merely slow to reap it
        procs[pid] = {
            "uid": int(fields.get("Uid", "0").split()[0]),
            "comm": fields.get("Name", "").strip(),
            "cmdline": cmdline,
            "pidns": pidns.split("[")[-1].rstrip("]"),
            "ppid": int(fields.get("PPid", "0").strip()),
            "start": start_ticks / TICKS,  # seconds since boot
        }
    return procs


def describe(pid, info):
    return f"pid {pid} uid {info['uid']} comm {info['comm']!r} cmdline {info['cmdline'][:80]!r}"


def processes_in_pidns(namespaces, started_before=None):
    """Processes of the given pid namespaces. Namespace inode numbers are
    reused once a namespace is gone, so with started_before (seconds since
    boot: when the run ended) a process started later, which belongs to some
    newer namespace, does not count."""
    return {p: i for p, i in processes().items() if i["pidns"] in namespaces and
            (started_before is None or i["start"] <= started_before + 0.02)}


def processes_matching(marker):
    """Processes whose command line or name holds marker (never ourselves)."""
    me = os.getpid()
    return {p: i for p, i in processes().items()
            if p != me and (marker in i["cmdline"] or marker in i["comm"])}


def wait_gone(find, timeout=1.0):
    """Poll find() until it returns nothing or timeout; return what is left."""
    deadline = time.monotonic() + timeout
    while True:
        left = find()
        if not left or time.monotonic() >= deadline:
            return left
        time.sleep(0.05)


class PidnsSampler:
    """Counts, every few ms while a run goes on, the processes of each pid
    namespace other than ours: the most a box ever had at once."""

    def __init__(self, interval=0.03):
        self.interval = interval
        self.peak = {}
        self._stop = threading.Event()
        self._ours = own_pidns().split("[")[-1].rstrip("]")
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _loop(self):
        while not self._stop.is_set():
            counts = {}
            for info in processes().values():
                if info["pidns"] != self._ours:
                    counts[info["pidns"]] = counts.get(info["pidns"], 0) + 1
            for ns, n in counts.items():
                self.peak[ns] = max(self.peak.get(ns, 0), n)
            self._stop.wait(self.interval)


def mounts():
    """The host's mount table as (mount point, fs type, source) triples."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            parts, rparts = left.split(), right.split()
            found.append((parts[4], rparts[0] if rparts else "?",
                          rparts[1] if len(rparts) > 1 else "?"))
    return found


def runbox_cgroups():
    """Every cgroup directory under a `runbox` parent, in every controller."""
    found = set()
    for parent in glob.glob(f"{CGROUP_ROOT}/*/runbox") + glob.glob(f"{CGROUP_ROOT}/runbox"):
        for dirpath, dirnames, _ in os.walk(parent):
            for d in dirnames:
                found.add(os.path.join(dirpath, d))
    return found


def dir_entries(path):
    try:
        return set(os.listdir(path))
    except OSError:
        return set()


def fingerprint(path):
    """Owner, mode, size and content hash of a host file, never following a
    final symlink; None when it does not exist."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    digest = ""
    if stat.S_ISREG(st.st_mode):
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
    return (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode), stat.S_IFMT(st.st_mode),
            st.st_size, digest)


def read_text(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default


def disk_free_kb(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize // 1024


def tree_size_kb(path):
    total = 0
    for dirpath, dirnames, filenames in os.walk(path):
        for name in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                pass
    return total // 1024

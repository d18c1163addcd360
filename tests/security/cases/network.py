"""The network: nothing of the host's is reachable, not even its loopback."""

import os
import select
import socket

from harness.suite import case


def host_ipv4_addresses():
    """The host's own IPv4 addresses, from the kernel's routing tables."""
    addrs = {"127.0.0.1"}
    try:
        with open("/proc/net/fib_trie") as f:
            lines = f.read().splitlines()
        for i, line in enumerate(lines):
            if "/32 host LOCAL" in line and i > 0:
                addrs.add(lines[i - 1].split()[-1])
    except OSError:
        pass
    return sorted(addrs)


def _accepted(listener):
    ready, _, _ = select.select([listener], [], [], 0.2)
    if not ready:
        return None
    try:
        conn, peer = listener.accept()
        conn.close()
        return peer
    except OSError:
        return None


def _refused(line):
    return line is not None and ": ok" not in line


@case("tcp_to_host")
def tcp_to_host(ctx):
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("0.0.0.0", 0))
    tcp.listen(8)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    port, uport = tcp.getsockname()[1], udp.getsockname()[1]
    try:
        args = []
        for addr in host_ipv4_addresses():
            args += ["tcp", addr, port]
        args += ["udp", "127.0.0.1", uport, "ifaces"]
        res = ctx.run("net", args)
        if not ctx.expect_status(res, ("ok", "runtime_error")):
            return
        for addr in host_ipv4_addresses():
            line = res.line(f"tcp {addr}:{port}")
            ctx.expect(_refused(line), f"connect() to host {addr}:{port} fails",
                       "errno=...", line)
        peer = _accepted(tcp)
        ctx.expect(peer is None, "the host listener saw no connection", "none", peer)
        udp.setblocking(False)
        try:
            data = udp.recvfrom(64)
        except BlockingIOError:
            data = None
        ctx.expect(data is None, "the host UDP socket got no datagram", "none", data)
        ifaces = res.line("ifaces:") or ""
        if ": errno" not in ifaces and ifaces:
            names = ifaces.split(":", 1)[1].split()
            ctx.expect(names == ["lo"], "the only interface is loopback", ["lo"], names)
    finally:
        tcp.close()
        udp.close()


@case("dns")
def dns(ctx):
    res = ctx.run("net", ["dns", "deb.debian.org", "dns", "registry.npmjs.org"])
    if not ctx.expect_status(res, ("ok", "runtime_error")):
        return
    for name in ("deb.debian.org", "registry.npmjs.org"):
        line = res.line(f"dns {name}")
        ctx.expect(line is not None and ": ok" not in line, f"resolving {name} fails",
                   "failed ...", line)
    try:
        socket.getaddrinfo("deb.debian.org", 80)
    except OSError:
        ctx.note("the host itself cannot resolve deb.debian.org: this case proves little here")


@case("abstract_unix_to_host")
def abstract_unix_to_host(ctx):
    """Abstract unix sockets belong to the network namespace: the host's
    must be out of reach."""
    name = f"{ctx.suite.token}-abstract-{ctx.mode}"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind("\0" + name)
    listener.listen(4)
    try:
        res = ctx.run("net", ["abstract", name])
        if not ctx.expect_status(res, ("ok", "runtime_error")):
            return
        line = res.line(f"abstract @{name}")
        ctx.expect(_refused(line), "connect() to the host's abstract socket fails",
                   "errno=ECONNREFUSED (or socket refused)", line)
        peer = _accepted(listener)
        ctx.expect(peer is None, "the host listener saw no connection", "none", peer)
    finally:
        listener.close()


@case("inherited_fds")
def inherited_fds(ctx):
    """A descriptor the service left open (here: the host's /etc) must not
    reach the box."""
    fd = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
    os.set_inheritable(fd, True)
    try:
        work = ctx.workdir(["fsprobe"])
        proc = ctx.box.start(["/box/" + ctx.suite.tool_name("fsprobe"), "fds"], workdir=work,
                             pass_fds=(fd,))
        res = ctx.finish(proc)
        if not ctx.expect_status(res, "ok"):
            return
        fds = res.lines("fd ")
        extra = [l for l in fds if l.split(":")[0].split()[1] not in ("0", "1", "2")]
        ctx.expect(not extra, "only stdin, stdout and stderr are open in the box",
                   "fd 0, 1, 2", extra)
    finally:
        os.close(fd)

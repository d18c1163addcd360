#!/usr/bin/env python3
"""One FastCGI request to runbox-fcgi's socket, as nginx sends it:

  fcgi_request.py SOCKET METHOD PATH [--key KEY] [--body JSON] [--wait SECONDS]

Prints the answer's JSON body on stdout (the whole answer on stderr); exits 0
when its Status is 2xx. The socket is waited for (a pool starting) up to
--wait seconds (default 30).
"""
import argparse
import re
import socket
import struct
import sys
import time

BEGIN, END, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6


def record(kind, content, req=1):
    return struct.pack(">BBHHBx", 1, kind, req, len(content), 0) + content


def pair(name, value):
    def length(n):
        return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    n, v = name.encode(), value.encode()
    return length(len(n)) + length(len(v)) + n + v


def connect(path, wait):
    deadline = time.monotonic() + wait
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def request(path, wait, method, uri, body=b"", key=None):
    s = connect(path, wait)
    s.settimeout(120)
    env = [("REQUEST_METHOD", method), ("DOCUMENT_URI", uri), ("REQUEST_URI", uri),
           ("QUERY_STRING", ""), ("SERVER_PROTOCOL", "HTTP/1.1"), ("REMOTE_ADDR", "127.0.0.1"),
           ("CONTENT_LENGTH", str(len(body))), ("CONTENT_TYPE", "application/json")]
    if key:
        env.append(("HTTP_AUTHORIZATION", "Bearer " + key))
    params = b"".join(pair(k, v) for k, v in env)
    stdin = (record(STDIN, body) if body else b"") + record(STDIN, b"")
    s.sendall(record(BEGIN, struct.pack(">HB5x", 1, 0)) + record(PARAMS, params) +
              record(PARAMS, b"") + stdin)
    data, out = b"", b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    while len(data) >= 8:
        _, kind, _, clen, plen = struct.unpack(">BBHHB", data[:7])
        if kind == STDOUT:
            out += data[8:8 + clen]
        data = data[8 + clen + plen:]
    return out.decode("utf-8", "replace")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("socket")
    p.add_argument("method")
    p.add_argument("path")
    p.add_argument("--key")
    p.add_argument("--body", default="")
    p.add_argument("--wait", type=float, default=30.0)
    a = p.parse_args()
    answer = request(a.socket, a.wait, a.method, a.path, a.body.encode(), a.key)
    print(answer, file=sys.stderr)
    head, _, text = answer.partition("\r\n\r\n")
    print(text)
    status = re.search(r"^Status: (\d+)", head, re.M)
    return 0 if status is None or status.group(1).startswith("2") else 1


if __name__ == "__main__":
    sys.exit(main())

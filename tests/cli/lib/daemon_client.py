#!/usr/bin/env python3
"""Clients of `reckon run`'s sockets for tests/cli/daemon_*.sh (not a test).

  send SOCK FILE              send FILE's lines, half-close, print every reply
  sendt SOCK FILE             the same, each reply after the Unix time in
                              milliseconds it was read at and a tab
  oneby SOCK FILE OUT         one line at a time, each after the previous reply;
                              prints the max and median ack latency (ms) and
                              writes the replies to OUT
  stream SOCK FILE ACKED      pipelined; appends each acknowledged line (a reply
                              with "ok":true and a seq) to ACKED as "seq<TAB>line",
                              flushed at once, until the connection breaks
  status SOCK                 connect to the control socket, print the document
  hold SOCK N SECONDS         N idle connections held open SECONDS
  partial SOCK TEXT SECONDS   send TEXT (no newline), hold SECONDS, close
  flood SOCK MB SECONDS       send MB megabytes of short garbage lines, never
                              reading a reply (stops when the socket blocks for
                              SECONDS); prints how many bytes went out
"""
import json
import os
import socket
import sys
import time


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def read_lines(s):
    buf = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line.decode()
    if buf:
        yield buf.decode()


def cmd_send(path, file):
    s = connect(path)
    with open(file, "rb") as f:
        s.sendall(f.read())
    s.shutdown(socket.SHUT_WR)
    for line in read_lines(s):
        print(line)


def cmd_sendt(path, file):
    s = connect(path)
    with open(file, "rb") as f:
        s.sendall(f.read())
    s.shutdown(socket.SHUT_WR)
    for line in read_lines(s):
        print("%d\t%s" % (int(time.time() * 1000), line), flush=True)


def cmd_oneby(path, file, out):
    s = connect(path)
    f = s.makefile("rb")
    lat = []
    with open(file, "rb") as lines, open(out, "w") as o:
        for line in lines:
            t0 = time.monotonic()
            s.sendall(line)
            reply = f.readline()
            lat.append((time.monotonic() - t0) * 1000)
            o.write(reply.decode())
    lat.sort()
    print("n=%d max_ms=%.1f median_ms=%.1f" % (len(lat), lat[-1], lat[len(lat) // 2]))


def cmd_stream(path, file, acked):
    with open(file) as f:
        lines = f.read().splitlines()
    try:
        s = connect(path)
    except OSError:
        return
    out = open(acked, "a")
    sent = 0
    f = s.makefile("rb")
    window = 32
    try:
        while sent < min(window, len(lines)):
            s.sendall((lines[sent] + "\n").encode())
            sent += 1
        for k in range(len(lines)):
            reply = f.readline()
            if not reply:
                break
            r = json.loads(reply)
            if r.get("ok") and r.get("seq") and not r.get("duplicate"):
                out.write("%d\t%s\n" % (r["seq"], lines[k]))
                out.flush()
            if sent < len(lines):
                s.sendall((lines[sent] + "\n").encode())
                sent += 1
    except (OSError, ValueError):
        pass
    out.close()


def cmd_status(path):
    s = connect(path)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    sys.stdout.write(data.decode())


def cmd_hold(path, n, secs):
    socks = [connect(path) for _ in range(int(n))]
    print("holding %d" % len(socks), flush=True)
    time.sleep(float(secs))
    for s in socks:
        s.close()


def cmd_partial(path, text, secs):
    s = connect(path)
    s.sendall(text.encode())
    time.sleep(float(secs))
    s.close()


def cmd_flood(path, mb, secs):
    s = connect(path)
    s.settimeout(float(secs))
    chunk = b"x\n" * 32768
    sent = 0
    try:
        while sent < float(mb) * 1e6:
            s.sendall(chunk)
            sent += len(chunk)
    except OSError:
        pass
    print("sent=%d" % sent, flush=True)
    time.sleep(float(secs))
    s.close()


if __name__ == "__main__":
    cmds = {"send": cmd_send, "sendt": cmd_sendt, "oneby": cmd_oneby, "stream": cmd_stream,
            "status": cmd_status, "hold": cmd_hold, "partial": cmd_partial,
            "flood": cmd_flood}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])

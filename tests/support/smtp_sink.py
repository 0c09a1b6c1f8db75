#!/usr/bin/python3
"""smtp_sink.py — a real SMTP server on loopback for the report tests
(Debian's python3-aiosmtpd), optionally with STARTTLS required and AUTH.

Prints "PORT n" once it listens, then serves until its standard input is
closed. Each message received is written to OUT/N.eml (the raw bytes) and
OUT/N.json: the envelope, whether the session was TLS and who logged in,
the headers (Subject decoded), and every MIME part: its type, Content-ID,
disposition, decoded text, and for image/png whether the PNG is valid
(signature, every chunk's CRC, IHDR first, IDAT that inflates to the
declared size, IEND last) with the width and height of its IHDR.

Usage: smtp_sink.py --out DIR [--cert PEM --key PEM] [--auth USER:PASSWORD]
"""
import argparse
import email
import email.policy
import json
import os
import socket
import ssl
import struct
import sys
import zlib

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def png_info(data):
    info = {"valid": False, "width": 0, "height": 0}
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return info
    pos, chunks, idat = 8, [], b""
    while pos + 12 <= len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(kind + body) & 0xffffffff != crc:
            return info
        chunks.append(kind)
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            info.update(width=w, height=h)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    if not chunks or chunks[0] != b"IHDR" or chunks[-1] != b"IEND" or pos != len(data):
        return info
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    row = 1 + (info["width"] * channels * depth + 7) // 8
    info["valid"] = len(zlib.decompress(idat)) == row * info["height"]
    return info


def summarize(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    headers = {k: str(msg[k]) for k in
               ("Date", "Message-ID", "From", "To", "Subject", "MIME-Version")}
    parts = []
    for p in msg.walk():
        part = {"type": p.get_content_type(), "cid": p.get("Content-ID", ""),
                "disposition": p.get_content_disposition() or ""}
        if p.get_content_maintype() == "text":
            part["text"] = p.get_content()
        elif p.get_content_type() == "image/png":
            part.update(png_info(p.get_payload(decode=True)))
        parts.append(part)
    head, _, body = raw.partition(b"\r\n\r\n")
    return {"headers": headers, "parts": parts,
            "longest_line": max(len(line) for line in raw.split(b"\r\n")),
            "longest_body_line": max(len(line) for line in body.split(b"\r\n")),
            "bare_lf": b"\n" in raw.replace(b"\r\n", b"")}


class Handler:
    def __init__(self, out):
        self.out, self.n = out, 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        raw = envelope.original_content
        s = summarize(raw)
        s.update(mail_from=envelope.mail_from, rcpt_tos=envelope.rcpt_tos,
                 tls=session.ssl is not None,
                 login=session.auth_data.login.decode() if session.authenticated else "")
        base = os.path.join(self.out, str(self.n))
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        with open(base + ".json.tmp", "w") as f:
            json.dump(s, f)
        os.rename(base + ".json.tmp", base + ".json")
        return "250 OK queued"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--auth")
    a = ap.parse_args()
    with socket.socket() as s:  # a free port (the controller needs a number)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kw = {}
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
        kw.update(tls_context=ctx, require_starttls=True)
    if a.auth:
        user, password = a.auth.split(":", 1)

        def check(server, session, envelope, mechanism, data):
            ok = data.login.decode() == user and data.password.decode() == password
            # handled=False: aiosmtpd answers 535 itself on a failure
            return AuthResult(success=ok, handled=False, auth_data=data if ok else None)
        kw.update(authenticator=check, auth_required=True, auth_require_tls=bool(a.cert))
    c = Controller(Handler(a.out), hostname="127.0.0.1", port=port, **kw)
    c.start()
    print("PORT %d" % port, flush=True)
    sys.stdin.read()  # until the test closes the pipe
    c.stop()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A scripted SMTP server for the harness's TCP tests (--target, --server):
canned replies, one thread per connection, 127.0.0.1 only. FLOOD answers
with a multi-line reply that never ends, as a hostile server would; HOSTILE
answers with terminal escape sequences (clear screen, retitle, colours, a
bell, a C1 CSI) and bidirectional overrides (U+202E, U+2066) in its lines. It stands in for
a real server until `mailflow serve` exists; it is not an SMTP engine.

usage: scripted_smtp_server.py PORT [--port-file FILE]   (PORT 0: pick one)
"""
import socket
import sys
import threading


def serve(conn):
    f = conn.makefile("rb")

    def say(text):
        conn.sendall(text.encode() + b"\r\n")

    say("220 scripted.test ESMTP ready")
    in_data = False
    while True:
        line = f.readline()
        if not line:
            break
        text = line.rstrip(b"\r\n").decode("latin-1")
        if in_data:
            if text == ".":
                in_data = False
                say("250 OK <S1>")
            continue
        verb = text.split(" ")[0].upper()
        if verb == "EHLO":
            conn.sendall(b"250-scripted.test\r\n250-PIPELINING\r\n250 SIZE\r\n")
        elif verb == "HELO":
            say("250 scripted.test")
        elif verb in ("MAIL", "NOOP", "RSET"):
            say("250 OK")
        elif verb == "RCPT":
            say("550 Relay denied" if "remote" in text else "250 OK")
        elif verb == "DATA":
            say("354 Start mail input; end with <CRLF>.<CRLF>")
            in_data = True
        elif verb == "FLOOD":
            # a hostile server: a multi-line reply that never ends
            try:
                while True:
                    conn.sendall(b"250-" + b"x" * 1000 + b"\r\n")
            except OSError:
                break
        elif verb == "HOSTILE":
            # what a hostile server may put in a reply for whoever reads it on a terminal
            conn.sendall(b"550-\x1b[2J\x1b]0;owned\x07 cleared\r\n"
                         + "550-evil \u202egnp.exe\u202c and \u2066isolate\u2069 \u200f".encode()
                         + b"\x1b[31m red \x9b1m\x7f\r\n"
                         + "550 \u009b2J done \x08\x08\r".encode() + b"\r\n")
        elif verb == "QUIT":
            say("221 bye")
            break
        else:
            say("500 Syntax error, command unrecognized")
    conn.close()


def main():
    port = int(sys.argv[1])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    if "--port-file" in sys.argv:
        with open(sys.argv[sys.argv.index("--port-file") + 1], "w") as out:
            out.write(str(srv.getsockname()[1]))
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass

#!/usr/bin/env python3
"""Open N TCP connections at once to HOST PORT that the network is made to
fail, and wait until every one has given up (tcpretrans tests).

usage: tcpfail.py syn HOST PORT N K
    Nothing answers: each connect() gives up after K SYN retransmissions
    (TCP_SYNCNT), retransmitted in the SYN_SENT state.
usage: tcpfail.py data HOST PORT N MS
    Each connects, sends 100 bytes that are never acknowledged, and gives up
    after TCP_USER_TIMEOUT of MS milliseconds: retransmitted in ESTABLISHED.

Prints one line per connection: the error it ended with (or "connected" /
"acknowledged" when the network did not fail it).
"""
import errno
import socket
import sys
import threading


def syn_attempt(host, port, k):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, k)
        s.connect((host, port))
        return "connected"
    finally:
        s.close()


def data_attempt(host, port, ms):
    s = socket.create_connection((host, port), timeout=30)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, ms)
        s.sendall(b"x" * 100)
        s.recv(1)
        return "acknowledged"
    finally:
        s.close()


ATTEMPTS = {"syn": syn_attempt, "data": data_attempt}


def run(attempt, host, port, arg, out, i):
    try:
        out[i] = attempt(host, port, arg)
    except OSError as e:
        out[i] = errno.errorcode.get(e.errno, str(e))


def main():
    if len(sys.argv) != 6 or sys.argv[1] not in ATTEMPTS:
        sys.stderr.write(__doc__)
        return 2
    attempt = ATTEMPTS[sys.argv[1]]
    host, port, n, arg = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    out = [None] * n
    threads = [threading.Thread(target=run, args=(attempt, host, port, arg, out, i))
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

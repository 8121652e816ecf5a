#!/usr/bin/env python3
"""Open N TCP connections at once to HOST PORT, send 100 bytes on each, and
wait until each is given up because the data is never acknowledged
(TCP_USER_TIMEOUT of MS milliseconds), for the tcpretrans tests: what the
network lost is retransmitted in the ESTABLISHED state until then.

usage: tcpdata.py HOST PORT N MS
Prints one line per connection: the error its recv() ended with.
"""
import errno
import socket
import sys
import threading


def attempt(host, port, ms, out, i):
    s = socket.create_connection((host, port), timeout=30)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, ms)
        s.sendall(b"x" * 100)
        s.recv(1)
        out[i] = "acknowledged"
    except OSError as e:
        out[i] = errno.errorcode.get(e.errno, str(e))
    finally:
        s.close()


def main():
    host, port, n, ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    out = [None] * n
    threads = [threading.Thread(target=attempt, args=(host, port, ms, out, i)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

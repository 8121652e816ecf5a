#!/usr/bin/env python3
"""Open N TCP connections at once to HOST PORT, where nothing answers, each
giving up after K SYN retransmissions (TCP_SYNCNT), and wait until all have
failed (tcpretrans tests).

usage: tcpsyn.py HOST PORT N K
Prints one line per connection: the error its connect() ended with.
"""
import errno
import socket
import sys
import threading


def attempt(host, port, k, out, i):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_SYNCNT, k)
    try:
        s.connect((host, port))
        out[i] = "connected"
    except OSError as e:
        out[i] = errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()


def main():
    host, port, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    out = [None] * n
    threads = [threading.Thread(target=attempt, args=(host, port, k, out, i)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Make N TCP connections to a listener of our own, one after the other,
each closed by the client first, then by the server (tcpstates tests).

usage: tcpconns.py HOST PORT N
Prints "PID COMM" of this process first: the process that connects and
closes, which the closed-connection records should name.
"""
import os
import socket
import sys


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with open("/proc/self/comm") as f:
        comm = f.read().strip()
    print(os.getpid(), comm, flush=True)
    with socket.socket(family, socket.SOCK_STREAM) as lst:
        lst.bind((host, port))
        lst.listen(n)
        for _ in range(n):
            cli = socket.socket(family, socket.SOCK_STREAM)
            cli.connect((host, port))
            srv, _ = lst.accept()
            cli.sendall(b"x")
            srv.recv(1)
            # Client first: its side ends FIN_WAIT2 -> CLOSE (TIME_WAIT),
            # the server's CLOSE_WAIT -> LAST_ACK -> CLOSE.
            cli.close()
            srv.recv(1)
            srv.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

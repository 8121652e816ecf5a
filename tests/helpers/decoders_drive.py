#!/usr/bin/env python3
# The events tests/bpf/t_decoders.bpf.c counts, made by one process named
# "t_dec": usage: decoders_drive.py CGROUP_DIR PORT LOOPDEV ("" to skip).
import mmap, os, signal, socket, sys
# Name the process as the test object's programs expect, and move it into
# the test's cgroup, before doing anything they count.
with open("/proc/self/comm", "w") as f:
    f.write("t_dec")
cg, port, loopdev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if cg:
    with open(os.path.join(cg, "cgroup.procs"), "w") as f:
        f.write(str(os.getpid()))
os.getppid()
signal.signal(signal.SIGUSR1, lambda s, f: None)
os.kill(os.getpid(), signal.SIGUSR1)
try:
    os.open("/", os.O_WRONLY)
except IsADirectoryError:
    pass
for family, addr in ((socket.AF_INET, "127.0.0.2"), (socket.AF_INET6, "::1"),
                     (socket.AF_INET6, "::ffff:127.0.0.2")):
    s = socket.socket(family, socket.SOCK_STREAM)
    try:
        s.connect((addr, port))
    except ConnectionRefusedError:
        pass
    s.close()
if loopdev:
    fd = os.open(loopdev, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, 4096)
    os.readv(fd, [buf])
    os.close(fd)

#!/usr/bin/env python3
"""rcvbuf.py PID BYTES: gives every socket of process PID a receive buffer of BYTES (SO_RCVBUFFORCE, as root).

perfdhcp has no option for its socket buffer and opens it with the kernel's default (net.core.rmem_default, 208 KiB:
about 200 queued replies). At 10,000 DORA/s and more its receiving thread falls behind in bursts and the kernel drops
replies at perfdhcp's own socket (Udp RcvbufErrors in the generator's namespace), which would be counted as the
server's drops. Changing rmem_default would change the whole machine, so instead this takes a duplicate of each
socket descriptor of that one process (pidfd_getfd(2), Linux 5.6) and sets the option on it: same socket, same
buffer. Waits up to 5 s for the process to open a socket; exits 0 with the count of sockets set.
"""
import ctypes, os, socket, sys, time

SYS_pidfd_getfd = 438
SO_RCVBUFFORCE = 33

def main() -> int:
    pid, size = int(sys.argv[1]), int(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    deadline = time.monotonic() + 5
    done: set[str] = set()
    pidfd = os.pidfd_open(pid)
    try:
        while time.monotonic() < deadline:
            try:
                fds = os.listdir(f"/proc/{pid}/fd")
            except FileNotFoundError:
                break
            for fd in fds:
                try:
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if not target.startswith("socket:") or target in done:
                    continue
                dup = libc.syscall(SYS_pidfd_getfd, pidfd, int(fd), 0)
                if dup < 0:
                    continue
                try:
                    s = socket.socket(fileno=dup)
                    try:
                        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, size)
                        done.add(target)
                    except OSError:
                        pass
                    finally:
                        s.detach()
                finally:
                    os.close(dup)
            if done:
                # perfdhcp opens its sockets together, before it sends: look a little longer for the others.
                deadline = min(deadline, time.monotonic() + 0.05)
            time.sleep(0.001)
    finally:
        os.close(pidfd)
    print(len(done))
    return 0

if __name__ == "__main__":
    sys.exit(main())

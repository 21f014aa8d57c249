#!/usr/bin/env python3
# CPU of a command's whole process tree, orphans included (daemons and services a test detaches):
# the command runs under this process as a child subreaper, so every descendant is reaped here and
# RUSAGE_CHILDREN holds all of their CPU. Other work on the machine does not count (as a reading of
# /proc/stat would). Used to measure a test file's cost: scripts/tree-cpu.py npx vitest run FILE
import ctypes, os, sys, time, resource
libc = ctypes.CDLL(None, use_errno=True)
PR_SET_CHILD_SUBREAPER = 36
libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
t0 = time.time()
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
rc = None
while True:
    try:
        p, st = os.wait()
    except ChildProcessError:
        break
    if p == pid:
        rc = os.waitstatus_to_exitcode(st)
        # wait briefly for orphans still around (killed by the test's cleanup)
        deadline = time.time() + 3
        while time.time() < deadline:
            try:
                p2, _ = os.waitpid(-1, os.WNOHANG)
                if p2 == 0: time.sleep(0.05)
            except ChildProcessError:
                break
        break
r = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write(f"TREECPU {r.ru_utime + r.ru_stime:.1f} cpu-s (u {r.ru_utime:.1f} s {r.ru_stime:.1f}) {time.time()-t0:.1f} wall rc={rc}\n")

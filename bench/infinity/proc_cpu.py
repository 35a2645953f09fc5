"""CPU seconds (user + system, from /proc/PID/stat) used so far by the given processes and all their descendants.

  python proc_cpu.py PID [PID...]   -> prints one number
"""

import os
import sys

TICK = os.sysconf("SC_CLK_TCK")


def stats():
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                fields = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            out[int(d)] = (int(fields[1]), int(fields[11]) + int(fields[12]))  # ppid, utime + stime
    return out


def cpu_seconds(roots):
    procs = stats()
    children = {}
    for pid, (ppid, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0, list(roots)
    while todo:
        pid = todo.pop()
        if pid in procs:
            total += procs[pid][1]
            todo.extend(children.get(pid, []))
    return total / TICK


if __name__ == "__main__":
    print(cpu_seconds([int(p) for p in sys.argv[1:]]))

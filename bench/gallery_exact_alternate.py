"""Alternates short timed slices of two exact-search servers so that both see the same load.

Usage: gallery_exact_alternate.py PAIRS ITERATIONS -- JAVA_CMD... -- NUMPY_CMD...

Both commands speak the protocol of bench/gallery_exact_numpy.py serve and GalleryExactServe ("ready",
then "ITERATIONS" -> "MEAN_US MIN_US"). After two untimed warm-up slices each, runs PAIRS pairs of
slices of ITERATIONS searches, Java first in odd pairs and numpy first in even ones, and prints one
line per pair: "pair <i> <java mean us> <java min us> <numpy mean us> <numpy min us>".
"""

import subprocess
import sys


class Server:
    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.name = cmd[0]
        while (line := self.proc.stdout.readline()) and line.strip() != "ready":
            print(f"{self.name}: {line.rstrip()}", file=sys.stderr)  # a log line on stdout
        if not line:
            raise SystemExit(f"{self.name} ended before saying 'ready'")

    def run(self, iterations):
        self.proc.stdin.write(f"{iterations}\n")
        self.proc.stdin.flush()
        while line := self.proc.stdout.readline():
            try:
                mean, best = (float(x) for x in line.split())
                return mean, best
            except ValueError:
                print(f"{self.name}: {line.rstrip()}", file=sys.stderr)  # a log line on stdout
        raise SystemExit(f"{self.name} ended during a slice")

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def main():
    pairs, iterations = int(sys.argv[1]), int(sys.argv[2])
    rest = sys.argv[4:]
    split = rest.index("--")
    java = Server(rest[:split])
    numpy = Server(rest[split + 1 :])
    try:
        for _ in range(2):
            java.run(iterations)
            numpy.run(iterations)
        for i in range(1, pairs + 1):
            if i % 2:
                j = java.run(iterations)
                n = numpy.run(iterations)
            else:
                n = numpy.run(iterations)
                j = java.run(iterations)
            print(f"pair {i} {j[0]} {j[1]} {n[0]} {n[1]}", flush=True)
    finally:
        java.close()
        numpy.close()


if __name__ == "__main__":
    main()

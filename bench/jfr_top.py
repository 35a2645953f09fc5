"""Top frames of a JFR recording's execution samples, as a flame graph's widest boxes.

    python3 bench/jfr_top.py RECORDING.jfr [N]

Prints three lists from the jdk.ExecutionSample events (read with the JDK's `jfr print --json`):
the N methods most often on top of the stack (self time), the packages of those top frames
(self time by library: Netty, grpc-java, protobuf, mmserve, ...), and the N mmserve methods most
often anywhere on the stack (inclusive time of our own code). Shares are of all samples.
"""
import collections
import json
import re
import subprocess
import sys


def frames(event):
    for frame in event["values"]["stackTrace"]["frames"]:
        method = frame["method"]
        cls = re.sub(r"\$\$Lambda.*", "$$Lambda", method["type"]["name"].replace("/", "."))
        yield cls + "." + method["name"]


def package(name, depth=3):
    cls = name.rsplit(".", 1)[0]
    parts = cls.split(".")
    if parts[:4] == ["io", "grpc", "netty", "shaded"]:
        parts = ["netty(shaded)"] + parts[4:]
    return ".".join(parts[:depth])


def main():
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    out = subprocess.run(
        ["jfr", "print", "--json", "--stack-depth", "96", "--events", "jdk.ExecutionSample", path],
        check=True, capture_output=True, text=True).stdout
    events = json.loads(out)["recording"]["events"]
    total = len(events)
    top, packages, ours = collections.Counter(), collections.Counter(), collections.Counter()
    for event in events:
        stack = list(frames(event))
        if not stack:
            continue
        top[stack[0]] += 1
        packages[package(stack[0])] += 1
        for name in set(stack):
            if name.startswith("io.mmserve."):
                ours[name] += 1
    print(f"{total} samples")
    for title, counter in (("top frames (self)", top), ("packages of the top frame (self)", packages),
                           ("mmserve methods on the stack (inclusive)", ours)):
        print(f"\n{title}:")
        for name, count in counter.most_common(n):
            print(f"  {100 * count / max(total, 1):5.1f}%  {name}")


if __name__ == "__main__":
    main()

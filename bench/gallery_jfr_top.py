"""Top frames of a JFR recording's Java samples: the profile behind docs/benchmarks.md's gallery sections.

Usage: gallery_jfr_top.py RECORDING.jfr [UNDER] [N]
Reads the jdk.ExecutionSample events (`jfr print --json`, the JDK's jfr tool on the PATH) and prints the
N (default 25) frames with the most samples, self (the sample's top frame) and inclusive (the frame
anywhere in the stack, counted once per sample), as shares of the samples whose stack holds a frame
containing UNDER (default GalleryAnnBench.runQueries: the query loop). Frames are Class.method.
"""

import json
import subprocess
import sys
from collections import Counter


def main():
    path = sys.argv[1]
    under = sys.argv[2] if len(sys.argv) > 2 else "GalleryAnnBench.runQueries"
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    out = subprocess.run(["jfr", "print", "--json", "--events", "jdk.ExecutionSample", path],
                         check=True, capture_output=True, text=True).stdout
    events = json.loads(out)["recording"]["events"]
    self_count, inclusive, total = Counter(), Counter(), 0
    for event in events:
        frames = event["values"]["stackTrace"]["frames"]
        names = [f'{f["method"]["type"]["name"].rsplit(".", 1)[-1]}.{f["method"]["name"]}' for f in frames]
        if not any(under in n for n in names):
            continue
        total += 1
        self_count[names[0]] += 1
        for n in set(names):
            inclusive[n] += 1
    print(f"{total} samples under {under}\n")
    print("| self | frame |\n|---|---|")
    for name, count in self_count.most_common(top):
        print(f"| {100 * count / total:.1f}% | `{name}` |")
    print("\n| inclusive | frame |\n|---|---|")
    for name, count in inclusive.most_common(top):
        print(f"| {100 * count / total:.1f}% | `{name}` |")


if __name__ == "__main__":
    main()

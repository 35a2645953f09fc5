#!/usr/bin/env python3
"""Summary of an async-profiler CPU profile in collapsed form (one "frame;frame;... count" per line,
recorded with the "threads" option so that each stack starts with its thread).

  profile_top.py FILE [N [THREAD_PREFIX]]

Prints the share of samples by thread (numbers folded), by kind of the innermost frame (kernel,
Netty, grpc-java, protobuf, mmserve, JDK, JVM/native, a native library by its file name, ...), and
the N (default 25) hottest frames by self samples; JIT compiler threads are left out of the last
two (they fall as the JVM warms up), and so are threads whose name does not start with
THREAD_PREFIX when it is given (e.g. "grpc-" for the serving path of an encoder).
"""
import collections
import re
import sys


def kind(frame):
    if frame.endswith("_[k]"):
        return "kernel"
    if frame.startswith("/"):
        return frame.rsplit("/", 1)[-1]  # a native library without symbols
    if "netty" in frame:
        return "netty"
    if frame.startswith("io/grpc"):
        return "grpc-java"
    if "protobuf" in frame:
        return "protobuf"
    if "mmserve" in frame:
        return "mmserve"
    if "micrometer" in frame or "prometheus" in frame:
        return "metrics"
    if "opentelemetry" in frame:
        return "opentelemetry"
    if frame.startswith(("java/", "jdk/", "sun/")):
        return "jdk"
    if frame.startswith("com/google"):
        return "guava"
    if "/" in frame:
        return "/".join(frame.split("/")[:2])
    return "jvm/native"


def main():
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    prefix = sys.argv[3] if len(sys.argv) > 3 else ""
    threads, kinds, selves = collections.Counter(), collections.Counter(), collections.Counter()
    total = served = 0
    for line in open(path):
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack:
            continue
        frames = stack.split(";")
        c = int(count)
        total += c
        thread = re.sub(r"\d+", "N", frames[0].strip("[]").split(" tid=")[0])
        threads[thread] += c
        if "CompilerThre" in thread or not thread.startswith(prefix):
            continue
        served += c
        kinds[kind(frames[-1])] += c
        selves[frames[-1]] += c
    print(f"{total} samples; by thread:")
    for t, c in threads.most_common(8):
        print(f"  {100 * c / total:5.1f}%  {t}")
    where = f"in threads {prefix}*" if prefix else "outside the JIT compilers"
    print(f"{served} samples {where}; by kind of innermost frame:")
    for k, c in kinds.most_common(10):
        print(f"  {100 * c / served:5.1f}%  {k}")
    print(f"hottest {n} frames by self samples ({where}):")
    for f, c in selves.most_common(n):
        print(f"  {100 * c / served:5.1f}%  {f[:140]}")


if __name__ == "__main__":
    main()

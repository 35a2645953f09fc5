"""Closed-loop HTTP load for Infinity's /embeddings (stdlib only): --concurrency callers each POST one item, wait
for the answer and POST the next, for --warmup (not recorded) then --duration. Prints one JSON line: requests per
second, p50/p99 latency (ms) and errors by kind.

  python http_load.py --url http://127.0.0.1:57280/embeddings --model clip --text "a photo of a cat" \\
      [--image FILE] --concurrency 16 --duration 10 --warmup 3
"""

import argparse
import base64
import http.client
import json
import threading
import time
import urllib.parse


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--text")
    ap.add_argument("--image")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--warmup", type=float, default=3)
    args = ap.parse_args()
    if args.image:
        data = base64.b64encode(open(args.image, "rb").read()).decode()
        body = {"model": args.model, "input": [f"data:image/jpeg;base64,{data}"], "modality": "image"}
    else:
        body = {"model": args.model, "input": [args.text], "modality": "text"}
    payload = json.dumps(body).encode()
    url = urllib.parse.urlsplit(args.url)
    start = time.monotonic()
    record_from, stop_at = start + args.warmup, start + args.warmup + args.duration
    latencies, errors, lock = [], {}, threading.Lock()

    def caller():
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        while (now := time.monotonic()) < stop_at:
            kind = None
            try:
                conn.request("POST", url.path, payload, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    kind = f"http_{resp.status}"
            except (OSError, http.client.HTTPException) as e:
                kind = type(e).__name__
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
            done = time.monotonic()
            if now >= record_from and done <= stop_at:
                with lock:
                    if kind:
                        errors[kind] = errors.get(kind, 0) + 1
                    else:
                        latencies.append((done - now) * 1000)
        conn.close()

    threads = [threading.Thread(target=caller) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lat = sorted(latencies)

    def pct(p):
        return round(lat[min(len(lat) - 1, int(p * len(lat)))], 3) if lat else None

    print(json.dumps({"requests": len(lat), "rps": round(len(lat) / args.duration, 2), "p50_ms": pct(0.5),
                      "p99_ms": pct(0.99), "errors": errors}))


if __name__ == "__main__":
    main()

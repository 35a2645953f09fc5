#!/usr/bin/env bash
# Large photos through the local stack with the launcher's default heap (issue 16, "Memory" in
# docs/benchmarks.md): can the vision encoder decode phone-sized photos, many at once, and does it
# refuse what its heap cannot hold with RESOURCE_EXHAUSTED rather than failing with INTERNAL?
#
#   bench/large_photos.sh
#
# 1. makes the photos with PIL (PYTHON, default models/.venv/bin/python): 4000x3000 (12 megapixels),
#    the same with EXIF orientation 6, 6000x4500 (27 MP: over a 128 MiB heap's decode budget) and
#    8000x6000 (48 MP: over limits.max-pixels);
# 2. starts ./mmserve up on loopback ports BASE_PORT.. (default 28351; admin ADMIN_BASE_PORT..,
#    default 28391) with the vision encoder's GC log on (plus UP_FLAGS, e.g.
#    "--jvm-option vision-encoder-svc=-Xmx80m");
# 3. embeds each photo alone, then CONCURRENT (default 6) requests of the two 12 MP photos at once;
# 4. prints each answer's first line and the vision encoder's collections, and stops the stack.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-models/.venv/bin/python}"
BASE_PORT="${BASE_PORT:-28351}"
ADMIN_BASE_PORT="${ADMIN_BASE_PORT:-28391}"
CONCURRENT="${CONCURRENT:-6}"
work="$(mktemp -d)"
stack_pid=""
cleanup() {
  if [[ -n $stack_pid ]] && kill -0 "$stack_pid" 2>/dev/null; then
    kill "$stack_pid" && wait "$stack_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$PYTHON" - "$work" <<'PY'
import sys
import numpy as np
from PIL import Image
out = sys.argv[1]
rng = np.random.default_rng(1)
small = Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8))
photo = small.resize((4000, 3000), Image.BICUBIC)
photo.save(f"{out}/12mp.jpg", quality=90)
exif = Image.Exif()
exif[0x0112] = 6  # rotate 90 degrees clockwise when shown
photo.save(f"{out}/12mp_turned.jpg", quality=90, exif=exif)
small.resize((6000, 4500), Image.BICUBIC).save(f"{out}/27mp.jpg", quality=80)
small.resize((8000, 6000), Image.BICUBIC).save(f"{out}/48mp.jpg", quality=80)
PY

target="127.0.0.1:$BASE_PORT"
# shellcheck disable=SC2086  # UP_FLAGS is a list of flags
./mmserve up --base-port "$BASE_PORT" --admin-base-port "$ADMIN_BASE_PORT" \
  --http-port "$((BASE_PORT + 9))" \
  --jvm-option "vision-encoder-svc=-Xlog:gc:file=$work/vision-gc.log" ${UP_FLAGS:-} \
  >"$work/stack.log" 2>&1 &
stack_pid=$!
until grep -q "^mmserve ready" "$work/stack.log"; do
  kill -0 "$stack_pid" 2>/dev/null || { tail -n 20 "$work/stack.log" >&2; exit 1; }
  sleep 1
done
gc_mark=$(wc -l <"$work/vision-gc.log")

for photo in 12mp 12mp_turned 27mp 48mp; do
  echo "- $photo alone: $(./mmserve embed-image "$work/$photo.jpg" --target "$target" 2>&1 | head -1)"
done
for i in $(seq 1 "$CONCURRENT"); do
  ./mmserve embed-image "$work/12mp.jpg" "$work/12mp_turned.jpg" --target "$target" \
    >"$work/concurrent-$i.txt" 2>&1 &
done
wait $(jobs -p | grep -v "^$stack_pid$") || true # a refused request exits non-zero
for i in $(seq 1 "$CONCURRENT"); do
  echo "- concurrent request $i of $CONCURRENT (two 12 MP photos): $(head -1 "$work/concurrent-$i.txt")"
done
tail -n +"$((gc_mark + 1))" "$work/vision-gc.log" | awk '
  /Pause/ { v = $NF; sub("ms", "", v); n[$4]++; t += v; if (v + 0 > m) m = v + 0 }
  END { printf "- vision encoder collections during the requests: %d young, %d full, %.0f ms in all, longest %.1f ms\n", n["Young"], n["Full"], t, m }'
echo "- command: \`${UP_FLAGS:+UP_FLAGS=\"$UP_FLAGS\" }bench/large_photos.sh\` ($(date -u +%F), load $(cut -d' ' -f1-3 /proc/loadavg))"

#!/usr/bin/env bash
# End-to-end retrieval on held-out generated shapes: text to image and image to text, recall@1 and
# recall@5, through the whole local stack (gateway, encoders, gallery-svc on embedded Lucene).
#
#   bench/gallery_recall.sh            (N=1000 images, SEED=7; override with the environment)
#
# 1. bench/gallery_recall.py make: N single-shape PNGs from models/mmshapes/data.py with seed SEED
#    (the bundled pack was trained on seed 1 and evaluated on seeds 2 and 102), 48 to 160 pixels;
# 2. starts `cli.jar up` on free loopback ports (gRPC from 26051, admin from 19591, in steps of 10)
#    with its gallery data in a temporary folder, and waits for "mmserve ready";
# 3. indexes the images with `mmserve index`;
# 4. bench/GalleryRecall.java upserts the distinct captions as texts into a second collection and
#    asks for the top 5 of every caption among the images and of every image among the captions;
# 5. bench/gallery_recall.py score prints the machine, the timings and a table of recall@1 / @5.
# The stack is stopped (SIGTERM to the launcher's PID, which stops its services) on every exit.
set -euo pipefail
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${N:-1000}"
SEED="${SEED:-7}"
PY=models/.venv-check/bin/python
[[ -x $PY ]] || PY=models/.venv/bin/python
CLI=cli/target/cli.jar
for jar in "$CLI" gateway/target/gateway.jar text-encoder-svc/target/text-encoder-svc.jar \
           vision-encoder-svc/target/vision-encoder-svc.jar fusion-svc/target/fusion-svc.jar \
           gallery-svc/target/gallery-svc.jar; do
  if [[ ! -f $jar ]]; then
    ./mvnw -B -o package -DskipTests -Dspotless.check.skip=true -q
    break
  fi
done

WORK="$(mktemp -d)"
UP_PID=""
stop() {
  if [[ -n $UP_PID ]] && kill -0 "$UP_PID" 2>/dev/null; then
    kill -TERM "$UP_PID"
    wait "$UP_PID" || true
  fi
  rm -rf "$WORK"
}
trap stop EXIT

bash bench/machine.sh
echo "- held-out set: $N single-shape images, seed $SEED, 48-160 px"
"$PY" bench/gallery_recall.py make "$WORK" "$N" "$SEED"

# five consecutive gRPC and admin ports, free now
read -r BASE ADMIN < <("$PY" - <<'PYEOF'
import socket
def free(p):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", p)); return True
        except OSError:
            return False
for c in range(40):
    g, a = 26051 + 10 * c, 19591 + 10 * c
    if all(free(g + i) and free(a + i) for i in range(5)):
        print(g, a); break
else:
    raise SystemExit("no free ports between 26051 and 26451")
PYEOF
)
TARGET="127.0.0.1:$BASE"
java --enable-native-access=ALL-UNNAMED -jar "$CLI" up --base-port "$BASE" --admin-base-port "$ADMIN" --gallery-data "$WORK/gallery" \
  > "$WORK/up.log" 2>&1 &
UP_PID=$!
for _ in $(seq 1 360); do
  grep -c 'mmserve ready:' "$WORK/up.log" >/dev/null && break
  kill -0 "$UP_PID" 2>/dev/null || { cat "$WORK/up.log" >&2; echo "the stack did not start" >&2; exit 1; }
  sleep 1
done
grep -c 'mmserve ready:' "$WORK/up.log" >/dev/null || { echo "the stack was not ready in 6 minutes" >&2; exit 1; }

# gallery-svc says at start whether Lucene scores with the Vector API (`mmserve up` passes the module)
echo "- gallery-svc: $(grep -m1 -o 'vector scoring: .*' "$WORK/up.log" || echo 'no vector scoring line in its log')"

start=$(date +%s.%N)
java --enable-native-access=ALL-UNNAMED -jar "$CLI" index "$WORK/images" --collection recall --target "$TARGET" > "$WORK/index.txt" 2> "$WORK/index.err" \
  || { cat "$WORK/index.txt" "$WORK/index.err" >&2; exit 1; }
indexed=$(date +%s.%N)
java --enable-native-access=ALL-UNNAMED -cp "$CLI" bench/GalleryRecall.java "$TARGET" recall "$WORK"
queried=$(date +%s.%N)
echo "- index: $(cat "$WORK/index.txt" | head -1)"
printf -- '- wall time: index %.1f s; captions upserted and %s + %s queries %.1f s\n' \
  "$(echo "$indexed - $start" | bc)" "$(wc -l < "$WORK/captions.txt")" "$N" "$(echo "$queried - $indexed" | bc)"
echo
"$PY" bench/gallery_recall.py score "$WORK"

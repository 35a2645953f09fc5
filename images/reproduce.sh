#!/usr/bin/env bash
# Builds service images a second time, independently, to check that the build is reproducible:
#   images/reproduce.sh WORK MODULE...      (e.g. images/reproduce.sh /tmp/repro text-encoder-svc gateway)
# Copies this checkout's sources (tracked and new files, as the working tree has them; never target/ or a
# venv) to WORK/src, builds MODULE... there with `./mvnw -o -Pimages package` (fresh target folders, so
# fresh jars and a fresh Jib application cache), and prints one line per module: "MODULE sha256:<digest>".
# Compare with MODULE/target/jib-image.digest of this checkout: the same sources must give the same digest.
# The base image comes from the same cache (images/base-image.sh --no-cache checks the base on its own).
# The build's output goes to WORK/build.log. Runs offline: the first -Pimages build must have run here.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: images/reproduce.sh WORK MODULE..." >&2
  exit 2
fi
work="$1"
shift
modules=("$@")
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

rm -rf "$work/src"
mkdir -p "$work/src"
# every reactor module must exist for Maven to read the root POM, even when only some are built
mapfile -t reactor < <(sed -n 's:.*<module>\(.*\)</module>.*:\1:p' "$root/pom.xml" | sort -u)
(cd "$root" && git ls-files -z -co --exclude-standard -- pom.xml mvnw .mvn models/shapes-clip "${reactor[@]}") \
  | (cd "$root" && tar --null --ignore-failed-read -T - -cf -) \
  | tar -C "$work/src" -xf -

export JAVA_HOME="${JAVA_HOME:-$("$root/.mvn/java-home.sh")}"
# the copy is its own project: nothing of the calling Maven's location may leak into it
unset MAVEN_BASEDIR MAVEN_PROJECTBASEDIR
list="$(IFS=,; echo "${modules[*]}")"
(cd "$work/src" && ./mvnw -B -o -Pimages package -DskipTests -Dspotless.check.skip=true -pl "$list" -am) \
  >"$work/build.log" 2>&1 || {
  echo "reproduce: the build in $work/src failed; its log: $work/build.log" >&2
  tail -40 "$work/build.log" >&2
  exit 1
}
for module in "${modules[@]}"; do
  echo "$module $(cat "$work/src/$module/target/jib-image.digest")"
done

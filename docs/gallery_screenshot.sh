#!/usr/bin/env bash
# Refreshes docs/images/gallery.png (docs/gallery.md) from the gallery page's browser test:
#   docs/gallery_screenshot.sh            runs GalleryPageIT (starts its own stack), then copies its screenshot
#   docs/gallery_screenshot.sh --no-run   copies the screenshot of the last run (gallery-it/target/gallery.png)
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_BYTES=$((300 * 1024))
shot=gallery-it/target/gallery.png

if [[ "${1:-}" != "--no-run" ]]; then
  JAVA_HOME="$(.mvn/java-home.sh)"
  export JAVA_HOME
  .ci/system-packages.sh
  .mvn/install-maven.sh
  rm -f "$shot"
  ./mvnw -B verify -pl gallery-it -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dit.test=GalleryPageIT -Dfailsafe.failIfNoSpecifiedTests=false -Dspotless.check.skip=true
fi
[[ -f "$shot" ]] || { echo "gallery_screenshot: no $shot; run without --no-run" >&2; exit 1; }
size=$(stat -c %s "$shot")
if (( size > MAX_BYTES )); then
  echo "gallery_screenshot: $shot is $size bytes, over $MAX_BYTES; not copied" >&2
  exit 1
fi
cp "$shot" docs/images/gallery.png
echo "gallery_screenshot: docs/images/gallery.png updated ($size bytes)"

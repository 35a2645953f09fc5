#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing (as root, or through sudo):
#   libturbojpeg0   libjpeg-turbo's TurboJPEG library; vision-encoder-svc decodes JPEGs with it
#                   (without it, it falls back to the JDK's slower ImageIO reader, and the test
#                   that checks the fast path fails)
#   libwebp7        libwebp; vision-encoder-svc decodes WebP with it (without it, lossy WebP is refused
#                   and the test that checks libwebp is found fails)
#   chromium        Debian's chromium; gallery-it's browser test drives it with Playwright
#   prometheus      Prometheus and promtool; stack-it checks and tests the alert rules with promtool
#                   and MetricNamesIT runs ./mmserve up --observe's Prometheus
# Does nothing when everything is there. Called by ./mmserve test (and so by .ci/run).
set -euo pipefail
missing=()
# grep reads all of ldconfig's output (no -q), so pipefail never sees ldconfig die of SIGPIPE
ldconfig -p 2>/dev/null | grep 'libturbojpeg\.so\.0 ' >/dev/null || missing+=(libturbojpeg0)
ldconfig -p 2>/dev/null | grep 'libwebp\.so\.7 ' >/dev/null || missing+=(libwebp7)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -x /usr/bin/promtool && -x /usr/bin/prometheus ]] || missing+=(prometheus)
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "system-packages: please install ${missing[*]} (Debian/Ubuntu: apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
echo "system-packages: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get install -y -q "${missing[@]}" >&2 \
  || { "${sudo[@]}" apt-get update -q >&2 && "${sudo[@]}" apt-get install -y -q "${missing[@]}" >&2; }

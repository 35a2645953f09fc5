#!/usr/bin/env bash
# Makes the base image of mmserve's service images without a container engine or a registry:
#   images/base-image.sh [--no-cache] OUT.tar
# OUT.tar is an image tarball in two layouts at once (OCI image layout: oci-layout, index.json, blobs/;
# and the `docker save` manifest.json that Jib's `tar://` base image reads), with two layers:
#   1. Debian's runtime libraries, unpacked from the packages apt downloads (PACKAGES below), plus
#      /etc/passwd and /etc/group naming the non-root user 65532 (nonroot), /tmp (1777) and /home/nonroot;
#   2. a Java runtime made by jlink from the JDK 25 that builds mmserve (.mvn/java-home.sh), at /opt/java/openjdk.
# Every file has one fixed time and owner, and the tarballs are written in name order, so the same packages,
# JDK and tools give the same bytes (and digests) on any machine.
#
# The result is cached under ${MMSERVE_IMAGE_CACHE:-~/.cache/mmserve/images}/<key>/base.tar, keyed by this
# script, the package versions apt would install, the JDK's version and the tools' versions; OUT.tar is a
# hard link to (or a copy of) it. --no-cache assembles it afresh in a temporary folder (the downloaded .deb
# files are still reused: apt checks their hashes) and leaves the cache alone.
# Prints one line: the image's manifest digest (sha256:...). Needs: apt-get, dpkg-deb, GNU tar, gzip, sha256sum.
set -euo pipefail

# libc6, libgcc-s1, libstdc++6: the JVM, ONNX Runtime's and the tokenizers' native libraries;
# zlib1g: the JDK's zip support; libturbojpeg0, libwebp7: vision-encoder-svc decodes JPEG and WebP
# through them (FFM).
PACKAGES=(libc6 libgcc-s1 libstdc++6 zlib1g libturbojpeg0 libwebp7)
# Java SE, plus what the services or an operator reach besides it: jdk.unsupported (Netty, protobuf),
# jdk.httpserver (the admin endpoint), jdk.management and jdk.jfr (metrics, diagnostics), jdk.naming.dns
# (gRPC's DNS resolver), jdk.crypto.ec, jdk.zipfs, jdk.jcmd (`kubectl exec POD -- jcmd 1 Thread.print`).
# Not jdk.incubator.vector (Lucene's Vector API scoring): with an incubator module in the set, JDK 25's jlink
# writes jdk/internal/module/SystemModules$all.class in an order that changes from run to run (it iterates
# hash sets whose order depends on a per-JVM random salt), and the image would not be reproducible.
MODULES=java.se,jdk.unsupported,jdk.httpserver,jdk.management,jdk.management.jfr,jdk.jfr,jdk.naming.dns,jdk.crypto.ec,jdk.zipfs,jdk.jcmd
JAVA_DIR=opt/java/openjdk
USER_ID=65532
# every file's modification time, and the image's creation time (Jib's default for application files)
EPOCH=1
CREATED=1970-01-01T00:00:01Z

no_cache=0
if [[ "${1:-}" == --no-cache ]]; then
  no_cache=1
  shift
fi
if [[ $# -ne 1 ]]; then
  echo "usage: images/base-image.sh [--no-cache] OUT.tar" >&2
  exit 2
fi
out="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
java_home="$("$here/../.mvn/java-home.sh")"
cache_root="${MMSERVE_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmserve/images}"
arch="$(dpkg --print-architecture)"

# Fills pinned with name=version of every package, as apt would download it now; fails if apt knows none.
resolve_versions() {
  local package version
  pinned=()
  for package in "${PACKAGES[@]}"; do
    version="$(apt-cache policy "$package" | sed -n 's/^ *Candidate: //p')"
    [[ -n "$version" && "$version" != "(none)" ]] || return 1
    pinned+=("$package=$version")
  done
}
if ! resolve_versions; then
  # a fresh machine may have no package lists yet; root can fetch them (as .ci/system-packages.sh may)
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq >&2
  fi
  resolve_versions || {
    echo "base-image: apt knows no version of one of ${PACKAGES[*]}; run apt-get update (as root) first" >&2
    exit 1
  }
fi

key="$({
  sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1
  printf '%s\n' "$arch" "${pinned[@]}" "$MODULES"
  grep -E '^(IMPLEMENTOR|FULL_VERSION|JAVA_RUNTIME_VERSION)=' "$java_home/release"
  cat /usr/lib/os-release
  tar --version | head -1
  gzip --version | head -1
} | sha256sum | cut -c1-16)"

# Downloads the pinned packages into the shared .deb folder (apt verifies each file's hash).
download_packages() {
  local debs="$cache_root/debs" missing=() entry package version
  mkdir -p "$debs"
  for entry in "${pinned[@]}"; do
    package="${entry%%=*}"
    version="${entry#*=}"
    [[ -f "$debs/${package}_${version//:/%3a}_$arch.deb" || -f "$debs/${package}_${version//:/%3a}_all.deb" ]] || missing+=("$entry")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    local sandbox=()
    # apt's download user cannot write into root's home; as root, apt itself downloads
    [[ $(id -u) -eq 0 ]] && sandbox=(-o APT::Sandbox::User=root)
    (cd "$debs" && apt-get -qq "${sandbox[@]}" download "${missing[@]}" >&2) || {
      echo "base-image: apt-get download ${missing[*]} failed (an old package list?); run apt-get update (as root) and build again" >&2
      return 1
    }
  fi
  for entry in "${pinned[@]}"; do
    package="${entry%%=*}"
    version="${entry#*=}"
    compgen -G "$debs/${package}_${version//:/%3a}_*.deb" | head -1 | grep . || {
      echo "base-image: no .deb of $entry in $debs after apt-get download" >&2
      return 1
    }
  done
}

# Writes a reproducible tar of folder $1 to $2: relative names ("etc/passwd", no "./": Jib refuses it) in
# byte order, one time, root-owned, no atime/ctime
# (any path in $3... is left out, to be appended with another owner by the caller).
deterministic_tar() {
  local dir="$1" tarball="$2"
  shift 2
  local excludes=()
  for path in "$@"; do excludes+=("--exclude=$path"); done
  tar -C "$dir" --sort=name --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime="@$EPOCH" --owner=0 --group=0 --numeric-owner "${excludes[@]}" -cf "$tarball" \
    $(cd "$dir" && find . -mindepth 1 -maxdepth 1 -printf '%P\n' | LC_ALL=C sort)
}

# Gzips tar $1 into blobs/, prints "<diff id> <digest> <size>" of the layer.
add_layer() {
  local tarball="$1" diff_id digest
  diff_id="sha256:$(sha256sum "$tarball" | cut -d' ' -f1)"
  gzip -n -6 -c "$tarball" >"$work/layer.tar.gz"
  digest="sha256:$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)"
  mv "$work/layer.tar.gz" "$work/image/blobs/sha256/${digest#sha256:}"
  echo "$diff_id $digest $(stat -c %s "$work/image/blobs/sha256/${digest#sha256:}")"
}

# Stores JSON text $1 as a blob, prints "<digest> <size>".
add_blob() {
  local digest
  printf '%s' "$1" >"$work/blob"
  digest="sha256:$(sha256sum "$work/blob" | cut -d' ' -f1)"
  mv "$work/blob" "$work/image/blobs/sha256/${digest#sha256:}"
  echo "$digest $(printf '%s' "$1" | wc -c)"
}

# The Debian layer: packages unpacked, documentation but copyright files left out, the user and folders.
debian_rootfs() {
  local root="$1" deb
  mkdir -p "$root"
  for deb in "${debs[@]}"; do
    dpkg-deb -x "$deb" "$root"
    # what a scanner reads to know the installed packages (as distroless images keep it)
    mkdir -p "$root/var/lib/dpkg/status.d"
    dpkg-deb -f "$deb" >"$root/var/lib/dpkg/status.d/$(dpkg-deb -f "$deb" Package)"
  done
  find "$root/usr/share/doc" -type f ! -name copyright -delete
  # gconv: iconv's character sets, which nothing here calls
  rm -rf "$root/usr/share/lintian"
  find "$root/usr/lib" -maxdepth 2 -type d -name gconv -exec rm -rf {} +
  mkdir -p "$root/etc" "$root/tmp" "$root/root" "$root/home/nonroot" "$root/proc" "$root/sys" "$root/dev"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%s:%s:nonroot:/home/nonroot:/sbin/nologin\n' \
    "$USER_ID" "$USER_ID" >"$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:%s:\n' "$USER_ID" >"$root/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
  cp /usr/lib/os-release "$root/etc/os-release"
  chmod 0644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf" "$root/etc/os-release"
  chmod 1777 "$root/tmp"
  chmod 0700 "$root/root" "$root/home/nonroot"
  chmod 0755 "$root/etc" "$root/proc" "$root/sys" "$root/dev" "$root/home"
}

assemble() {
  work="$1"
  mkdir -p "$work/image/blobs/sha256"
  download_packages >"$work/debs.txt"
  mapfile -t debs <"$work/debs.txt"

  debian_rootfs "$work/debian"
  deterministic_tar "$work/debian" "$work/debian.tar" home/nonroot
  # the user's home is the user's: appended with its owner
  tar -C "$work/debian" --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    --mtime="@$EPOCH" --owner="$USER_ID" --group="$USER_ID" --numeric-owner --no-recursion \
    -rf "$work/debian.tar" home/nonroot

  mkdir -p "$work/java/$(dirname "$JAVA_DIR")"
  # a class-data sharing archive (deterministic since JDK 21) makes every start faster
  "$java_home/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-6 --generate-cds-archive --output "$work/java/$JAVA_DIR" >&2
  deterministic_tar "$work/java" "$work/java.tar"

  local config manifest
  read -r debian_diff debian_digest debian_size < <(add_layer "$work/debian.tar")
  read -r java_diff java_digest java_size < <(add_layer "$work/java.tar")
  local java_version
  java_version="$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$java_home/release")"
  local path="/$JAVA_DIR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  config="{\"created\":\"$CREATED\",\"architecture\":\"$arch\",\"os\":\"linux\",\"config\":{\"User\":\"$USER_ID:$USER_ID\",\"Env\":[\"PATH=$path\",\"JAVA_HOME=/$JAVA_DIR\"],\"WorkingDir\":\"/\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"$debian_diff\",\"$java_diff\"]},\"history\":[{\"created\":\"$CREATED\",\"created_by\":\"images/base-image.sh: ${pinned[*]}\"},{\"created\":\"$CREATED\",\"created_by\":\"images/base-image.sh: jlink $java_version $MODULES\"}]}"
  read -r config_digest config_size < <(add_blob "$config")
  manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$config_digest\",\"size\":$config_size},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$debian_digest\",\"size\":$debian_size},{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$java_digest\",\"size\":$java_size}]}"
  read -r manifest_digest manifest_size < <(add_blob "$manifest")
  printf '{"imageLayoutVersion":"1.0.0"}' >"$work/image/oci-layout"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"mmserve/base:%s"}}]}' \
    "$manifest_digest" "$manifest_size" "$key" >"$work/image/index.json"
  printf '[{"Config":"blobs/sha256/%s","RepoTags":["mmserve/base:%s"],"Layers":["blobs/sha256/%s","blobs/sha256/%s"]}]' \
    "${config_digest#sha256:}" "$key" "${debian_digest#sha256:}" "${java_digest#sha256:}" >"$work/image/manifest.json"
  deterministic_tar "$work/image" "$work/base.tar"
  echo "$manifest_digest" >"$work/base.digest"
}

if [[ $no_cache == 1 ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  assemble "$work"
  mkdir -p "$(dirname "$out")"
  mv -f "$work/base.tar" "$out"
  cat "$work/base.digest"
  exit 0
fi

entry="$cache_root/$key"
if [[ ! -f "$entry/base.tar" || ! -f "$entry/base.digest" ]]; then
  echo "base-image: assembling the base image ($key: ${pinned[*]}, $(sed -n 's/^IMPLEMENTOR_VERSION="\(.*\)"/\1/p' "$java_home/release"))" >&2
  mkdir -p "$cache_root"
  work="$(mktemp -d "$cache_root/.work-XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  assemble "$work"
  mkdir -p "$entry"
  # digest first, tarball last: a tarball in the cache is always whole
  mv -f "$work/base.digest" "$entry/base.digest"
  mv -f "$work/base.tar" "$entry/base.tar"
fi
mkdir -p "$(dirname "$out")"
rm -f "$out"
ln "$entry/base.tar" "$out" 2>/dev/null || cp "$entry/base.tar" "$out"
cat "$entry/base.digest"

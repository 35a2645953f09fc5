#!/usr/bin/env bash
# Installs the Maven version that ./mvnw pins (.mvn/wrapper/maven-wrapper.properties) exactly where ./mvnw looks
# for it, fetched as an ordinary Maven artifact (org.apache.maven:apache-maven:<version>:zip:bin) through the
# repositories the machine's own Maven is configured with. So no repository address is written in this project,
# and ./mvnw never downloads anything itself. Does nothing when that Maven is already installed.
# Needs a system `mvn` (any 3.x) the first time; ./mmserve and .ci/run call this before ./mvnw.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
url="$(sed -n 's/^distributionUrl=//p' "$root/.mvn/wrapper/maven-wrapper.properties" | tr -d '[:space:]')"
name="${url##*/}"
main="${name%.*}"
main="${main%-bin}"
version="${main#apache-maven-}"

# The same hash ./mvnw computes for its MAVEN_HOME folder (see hash_string in mvnw).
hash_string() {
  local str="${1:-}" h=0 char
  while [ -n "$str" ]; do
    char="${str%"${str#?}"}"
    h=$(((h * 31 + $(LC_CTYPE=C printf %d "'$char")) % 4294967296))
    str="${str#?}"
  done
  printf %x\\n $h
}

home="${MAVEN_USER_HOME:-$HOME/.m2}/wrapper/dists/$main/$(hash_string "$url")"
if [[ -x "$home/bin/mvn" ]]; then
  exit 0
fi
command -v mvn >/dev/null || { echo "install-maven: a system 'mvn' is needed once to fetch Maven $version" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "install-maven: fetching Maven $version for ./mvnw" >&2
(cd "$tmp" && mvn -B -q -Dtransitive=false dependency:get -Dartifact="org.apache.maven:apache-maven:$version:zip:bin") >&2
zip="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}/org/apache/maven/apache-maven/$version/apache-maven-$version-bin.zip"
unzip -q "$zip" -d "$tmp"
mkdir -p "${home%/*}"
mv "$tmp/apache-maven-$version" "$home"
echo "install-maven: Maven $version installed in $home" >&2

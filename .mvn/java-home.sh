#!/usr/bin/env bash
# Prints the home of a JDK 25 or newer, the Java mmserve builds and runs on, or exits 1 with what to install.
# Looks at, in order: $JAVA_HOME, the `java` on the PATH, then the system JVM folders (/usr/lib/jvm,
# /usr/lib64/jvm, /opt/java). Callers do: export JAVA_HOME="$(.mvn/java-home.sh)"; PATH="$JAVA_HOME/bin:$PATH".
set -euo pipefail
required=25

# Prints the feature release of the JDK at $1 (25 for "25.0.3"), or nothing when $1 is not a JDK.
feature_of() {
  local home="$1" line
  [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] || return 0
  line="$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  echo "${line%%.*}"
}

candidates=()
[[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
if command -v java >/dev/null 2>&1; then
  candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
fi
for dir in /usr/lib/jvm /usr/lib64/jvm /opt/java; do
  [[ -d "$dir" ]] || continue
  # newest first, so a machine with 25 and 26 builds on 26 only when nothing else is asked for
  while IFS= read -r home; do candidates+=("$home"); done < <(find "$dir" -mindepth 1 -maxdepth 1 -type d | sort -rV)
done

for home in "${candidates[@]}"; do
  feature="$(feature_of "$home")"
  if [[ -n "$feature" && "$feature" -ge "$required" ]]; then
    echo "$home"
    exit 0
  fi
done
{
  echo "mmserve needs a JDK $required or newer (it found none in JAVA_HOME, on the PATH or under /usr/lib/jvm)."
  echo "Install one, for example Eclipse Temurin $required (package temurin-$required-jdk) or openjdk-$required-jdk,"
  echo "or point JAVA_HOME at it."
} >&2
exit 1

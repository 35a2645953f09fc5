#!/usr/bin/env bash
# Tests of `proto/buf.sh breaking` on scratch git repositories holding a copy of proto/: a compatible
# change passes, a breaking change of mmserve.v1 fails (one of an internal package does not), the same change made as a new package version
# (mmserve.v2) passes, removing mmserve.v1 passes only when a newer version replaces it, a first
# commit has nothing to compare with, and a shallow clone without the previous commit fails with a
# message that says how to fetch it. Run by `proto/buf.sh check` (so by ./mmserve test).
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
passed=0
failed=0
V1="proto/src/main/protobuf/mmserve/v1"

# A repository whose first commit is this tree's proto/ (the .proto files, the buf config and scripts).
new_repo() {
  local repo="$SCRATCH/$1"
  mkdir -p "$repo/proto/src/main"
  cp "$HERE/buf.sh" "$HERE/buf.yaml" "$HERE/buf.gen.yaml" "$repo/proto/"
  cp -r "$HERE/third_party" "$repo/proto/"
  cp -r "$HERE/src/main/protobuf" "$repo/proto/src/main/"
  git -C "$repo" init -q -b main
  commit "$repo" "the current proto/"
  echo "$repo"
}

commit() {
  git -C "$1" add -A
  git -C "$1" -c user.name=test -c user.email=test@localhost commit -q -m "$2"
}

# expect NAME STATUS OUTPUT_PART REPO: runs breaking in REPO; STATUS is pass or fail.
expect() {
  local name="$1" want="$2" part="$3" repo="$4" output status=pass
  output="$("$repo/proto/buf.sh" breaking 2>&1)" || status=fail
  if [[ "$status" == "$want" && "$output" == *"$part"* ]]; then
    echo "ok: $name"
    passed=$((passed + 1))
  else
    echo "FAILED: $name: breaking should $want with output containing '$part'; it did $status:"
    echo "$output" | sed 's/^/    /'
    failed=$((failed + 1))
  fi
}

remove_skip_normalization() {
  sed -i '/bool skip_normalization = 3;/d' "$1/$V1/multimodal.proto"
}

repo="$(new_repo first-commit)"
expect "a first commit has nothing to compare with" pass "HEAD is the first commit" "$repo"

repo="$(new_repo compatible)"
sed -i '/^message EmbedTextRequest {/a\  string note = 9;' "$repo/$V1/multimodal.proto"
commit "$repo" "a new field"
expect "a new field is compatible" pass "mmserve.v1 has no breaking change" "$repo"

repo="$(new_repo breaking)"
remove_skip_normalization "$repo"
commit "$repo" "a field removed"
expect "a removed field of mmserve.v1 fails" fail 'name "skip_normalization" on message "EmbedTextRequest" was deleted' "$repo"

repo="$(new_repo internal)"
sed -i '/^message DescribeCollectionRequest {/,/^}/d' "$repo/proto/src/main/protobuf/mmserve/gallery/v1/gallery.proto"
sed -i '/rpc DescribeCollection(/d' "$repo/proto/src/main/protobuf/mmserve/gallery/v1/gallery.proto"
commit "$repo" "an internal call removed"
expect "a change of an internal package (mmserve.gallery.v1) is not checked" pass "mmserve.v1 has no breaking change" "$repo"

repo="$(new_repo new-version)"
cp -r "$repo/$V1" "$repo/${V1%v1}v2"
sed -i 's/^package mmserve\.v1;/package mmserve.v2;/; s/"io\.mmserve\.api\.v1"/"io.mmserve.api.v2"/' "$repo/${V1%v1}v2/multimodal.proto"
sed -i '/bool skip_normalization = 3;/d' "$repo/${V1%v1}v2/multimodal.proto"
commit "$repo" "mmserve.v2 without skip_normalization, next to mmserve.v1"
expect "the change made in mmserve.v2 passes" pass "mmserve.v1 has no breaking change" "$repo"
# then mmserve.v1 goes (the internal encoder API moves to v2 with it)
git -C "$repo" rm -q -r "$V1"
sed -i 's#mmserve/v1/multimodal.proto#mmserve/v2/multimodal.proto#; s/mmserve\.v1\.Image/mmserve.v2.Image/' \
  "$repo/proto/src/main/protobuf/mmserve/encoder/v1/encoder.proto"
commit "$repo" "mmserve.v1 removed"
expect "mmserve.v1 removed once mmserve.v2 replaces it passes" pass "mmserve.v2 supersedes it" "$repo"

repo="$(new_repo removed)"
git -C "$repo" rm -q -r "$V1" proto/src/main/protobuf/mmserve/encoder
commit "$repo" "mmserve.v1 removed without a successor"
expect "mmserve.v1 removed without a newer version fails" fail "no newer mmserve.vN replaces it" "$repo"

git clone -q --depth 1 "file://$SCRATCH/breaking" "$SCRATCH/shallow" 2>/dev/null
expect "a shallow clone without HEAD~1 fails and says how to fetch it" fail "git fetch --deepen=1" "$SCRATCH/shallow"

echo "buf-breaking-test: $passed passed, $failed failed"
(( failed == 0 ))

#!/usr/bin/env bash
# How many imported articles read as code: compares two `kbase import` outputs of the
# same legacy corpus (before and after a change to `legacy::markdown`).
#
# Reports the articles holding at least one fenced code block on each side, the
# articles that changed, those with fewer code blocks after (and how many of them
# have none left), and lists the changed articles in $OUT (default changed.txt) for
# reading side by side with their .TXT. Front matter is compared too: a change there
# means the run measured more than the body.
#
#   benches/code_blocks.sh BEFORE_DIR AFTER_DIR
#
# For example, with the corpus unpacked in /tmp/legacy-corpus (it holds txt/) and the
# commit before the change checked out beside this one (`git worktree add /tmp/imp-before
# HEAD`, which leaves this checkout alone):
#
#   (cd /tmp/imp-before && CARGO_TARGET_DIR=/tmp/before-target cargo build --release)
#   /tmp/before-target/release/kbase import -q /tmp/legacy-corpus/txt --out /tmp/kb-before
#   cargo build --release
#   target/release/kbase import -q /tmp/legacy-corpus/txt --out /tmp/kb-after
#   benches/code_blocks.sh /tmp/kb-before /tmp/kb-after
set -euo pipefail
before=${1:?BEFORE_DIR}
after=${2:?AFTER_DIR}
out=${OUT:-changed.txt}

# Fenced blocks in the body of one article (after the front matter), opening fences only.
fences() {
    awk 'BEGIN { fm = 0; n = 0; open = 0 }
         /^---$/ && fm < 2 { fm++; next }
         fm < 2 { next }
         /^ *```+ *$/ { if (!open) n++; open = !open }
         END { print n }' "$1"
}
front() { awk '/^---$/ && fm < 2 { fm++; next } fm < 2' "$1"; }

total=0 with_before=0 with_after=0 changed=0 fewer=0 none_left=0 front_changed=0
: >"$out"
for f in "$before"/*.md; do
    name=${f##*/}
    g=$after/$name
    [[ -f $g ]] || continue
    total=$((total + 1))
    b=$(fences "$f")
    a=$(fences "$g")
    if ((b > 0)); then with_before=$((with_before + 1)); fi
    if ((a > 0)); then with_after=$((with_after + 1)); fi
    if cmp -s "$f" "$g"; then continue; fi
    changed=$((changed + 1))
    echo "$name" >>"$out"
    if [[ $(front "$f") != "$(front "$g")" ]]; then front_changed=$((front_changed + 1)); fi
    if ((a < b)); then fewer=$((fewer + 1)); fi
    if ((a < b && a == 0)); then none_left=$((none_left + 1)); fi
done
echo "articles compared:                   $total"
echo "with a fenced code block, before:    $with_before"
echo "with a fenced code block, after:     $with_after"
echo "articles changed:                    $changed (listed in $out)"
echo "  with fewer code blocks after:      $fewer ($none_left with none left)"
echo "  of which the front matter changed: $front_changed"

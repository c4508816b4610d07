#!/usr/bin/env bash
# Load test of `kbase serve` on the full legacy corpus.
#
# Imports the corpus (../shared/corpus, or the articles folder given as $1), indexes it,
# measures start-up with an up-to-date index, then drives the server with wrk at
# concurrency 1 and 32 for four query mixes taken from the evaluation queries
# (event-ID, article-ID, free-text and natural queries, each request a different query in
# turn), and reports requests/s, p50/p99 latency and errors per run, the server's memory,
# and how long a new and a deleted article file take to show in searches.
#
# With tantivy-cli (`cargo install tantivy-cli`; the `tantivy` binary on PATH or named by
# TANTIVY_CLI), the same run also builds tantivy-cli's index of the same articles (id,
# title and body, English stemming), times it beside a full `kbase index --rebuild`,
# compares the sizes, and drives `tantivy serve` with the same article-ID, free-text and
# natural mixes, so the figures come side by side from one machine and one run.
#
#   benches/load.sh [ARTICLES_DIR]
#
# Environment: DURATION (seconds per run, default 10), PORT (default 18181),
# KBASE_LOAD_DIR (work folder, kept between runs; default a temporary folder),
# RUST_LOG (server log level; unset, kbase's default applies: `info` without the access
# log; RUST_LOG=info measures with the access log on), TANTIVY_CLI (tantivy-cli's binary).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
duration=${DURATION:-10}
port=${PORT:-18181}
work=${KBASE_LOAD_DIR:-$(mktemp -d)}
mkdir -p "$work"

if ! command -v wrk >/dev/null; then
    echo "installing wrk" >&2
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi

cargo build --release --quiet --manifest-path "$here/Cargo.toml"
kbase="$here/target/release/kbase"

articles=${1:-}
if [ -z "$articles" ]; then
    articles="$work/articles"
    if [ ! -d "$articles" ]; then
        tarball="$here/../shared/corpus/kb-legacy-dev.tar.xz"
        [ -f "$tarball" ] || { echo "no corpus at $tarball; pass an articles folder" >&2; exit 2; }
        mkdir -p "$work/legacy"
        tar -xJf "$tarball" -C "$work/legacy"
        "$kbase" import "$work/legacy" --out "$articles" --quiet
    fi
fi
data="$work/data"
"$kbase" index --articles "$articles" --data "$data" --quiet

# Request paths for each mix, from the evaluation queries.
eval_file="$here/../shared/eval/public.jsonl"
natural_file="$here/../shared/eval/natural-public.jsonl"
python3 - "$eval_file" "$natural_file" "$work" <<'EOF'
import json, os, sys, urllib.parse
mixes = {"event": {"event_id"}, "article": {"article_id"}, "text": {"known_item", "title", "message"},
         "natural": {"natural"}}
rows = [json.loads(l) for f in sys.argv[1:3] if os.path.exists(f) for l in open(f)]
for name, kinds in mixes.items():
    queries = [r["query"] for r in rows if r["kind"] in kinds]
    with open(f"{sys.argv[3]}/paths-{name}.txt", "w") as f:
        for q in queries:
            f.write("/api/v1/search?q=" + urllib.parse.quote_plus(q) + "\n")
    # The same queries for tantivy-cli's `serve`, whose query parser reads `:`, quotes
    # and brackets as syntax: those characters are left out, the words kept.
    with open(f"{sys.argv[3]}/tantivy-{name}.txt", "w") as f:
        for q in queries:
            words = "".join(c if c.isalnum() or c.isspace() else " " for c in q).split()
            f.write("/api?nhits=10&q=" + urllib.parse.quote_plus(" ".join(words)) + "\n")
EOF
cat > "$work/paths.lua" <<'EOF'
-- Each connection walks the mix's paths from its own starting point.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local counter = 0
function setup(thread) counter = counter + 1; thread:set("start", counter * 7919) end
function init() i = start end
function request() i = i + 1; return wrk.format("GET", paths[(i % #paths) + 1]) end
EOF

server_pid=""
stop_server() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true; server_pid=""; }
trap stop_server EXIT

start_server() {
    local t0 t1
    t0=$(date +%s%N)
    "$kbase" serve --articles "$articles" --data "$data" --addr "127.0.0.1:$port" --max-in-flight 4096 2>"$work/serve.log" &
    server_pid=$!
    until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.01; done
    t1=$(date +%s%N)
    echo "start-up to ready (index up to date): $(( (t1 - t0) / 1000000 )) ms"
}

# One wrk run: server label, mix, concurrency, paths file, base URL.
drive() {
    local who=$1 mix=$2 conc=$3 paths=$4 url=$5 threads out rps p50 p99 non2xx sockerr
    threads=$(( conc < 2 ? 1 : 2 ))
    out=$(PATHS="$paths" wrk -t"$threads" -c"$conc" -d"${duration}s" --latency -s "$work/paths.lua" "$url")
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    sockerr=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
    ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0; else printf "%.2f", v * 1000 }'; }
    printf '%-12s %-8s %5s %12s %10s %10s %8s\n' "$who" "$mix" "$conc" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$(( ${non2xx:-0} + ${sockerr:-0} ))"
}

start_server
echo "articles served: $(curl -s "http://127.0.0.1:$port/readyz")"
printf '\n%-12s %-8s %5s %12s %10s %10s %8s\n' server mix conc "requests/s" "p50 ms" "p99 ms" errors
for mix in event article text natural; do
    for conc in 1 32; do
        drive kbase "$mix" "$conc" "$work/paths-$mix.txt" "http://127.0.0.1:$port"
    done
done

echo
grep -E '^(VmRSS|RssAnon|RssFile|VmHWM)' "/proc/$server_pid/status" | tr -s ' \t' ' '

# Live reload: a new file, then its deletion, as seen by searches.
probe="$articles/zz-load-probe.md"
printf -- '---\nid: Q9999991\ntitle: Loadprobe Zebrafinch Article\n---\n\n## Summary\n\nProbe.\n' >"$probe"
t0=$(date +%s%N)
until curl -s "http://127.0.0.1:$port/api/v1/search?q=zebrafinch" | grep -q Q9999991; do sleep 0.01; done
t1=$(date +%s%N)
rm -f "$probe"
until ! curl -s "http://127.0.0.1:$port/api/v1/search?q=zebrafinch" | grep -q Q9999991; do sleep 0.01; done
t2=$(date +%s%N)
echo
echo "new article searchable after $(( (t1 - t0) / 1000000 )) ms; deleted one gone after $(( (t2 - t1) / 1000000 )) ms"

# tantivy-cli beside kbase, when it is installed.
tantivy=${TANTIVY_CLI:-$(command -v tantivy || true)}
if [ -z "$tantivy" ] || [ ! -x "$tantivy" ]; then
    echo
    echo "tantivy-cli not found (cargo install tantivy-cli, or TANTIVY_CLI=path): no comparison"
    exit 0
fi
stop_server
echo
t0=$(date +%s%N)
"$kbase" index --articles "$articles" --data "$data" --rebuild --quiet
t1=$(date +%s%N)
kbase_ms=$(( (t1 - t0) / 1000000 ))
kbase_bytes=$(du -sb "$data/index" | cut -f1)

tdir="$work/tantivy-cli"
rm -rf "$tdir"
mkdir -p "$tdir"
cat > "$tdir/meta.json" <<'EOF'
{"index_settings": {"docstore_compression": "lz4", "docstore_blocksize": 16384},
 "segments": [],
 "schema": [
  {"name": "id", "type": "text", "options": {"indexing": {"record": "basic", "fieldnorms": false, "tokenizer": "raw"}, "stored": true, "fast": false}},
  {"name": "title", "type": "text", "options": {"indexing": {"record": "position", "fieldnorms": true, "tokenizer": "en_stem"}, "stored": true, "fast": false}},
  {"name": "body", "type": "text", "options": {"indexing": {"record": "position", "fieldnorms": true, "tokenizer": "en_stem"}, "stored": false, "fast": false}}
 ],
 "opstamp": 0}
EOF
python3 - "$articles" > "$work/tantivy-docs.json" <<'EOF'
import json, os, sys
for root, dirs, files in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in files:
        if not name.endswith(".md"):
            continue
        text = open(os.path.join(root, name), encoding="utf-8", errors="replace").read()
        parts = text.split("\n---\n", 1)
        front, body = (parts[0], parts[1]) if len(parts) == 2 else ("", text)
        title = next((l[6:].strip().strip("'\"") for l in front.splitlines() if l.startswith("title:")), "")
        print(json.dumps({"id": name[:-3], "title": title, "body": body}))
EOF
t0=$(date +%s%N)
"$tantivy" index -i "$tdir" < "$work/tantivy-docs.json" >/dev/null 2>"$work/tantivy-index.log"
t1=$(date +%s%N)
tantivy_ms=$(( (t1 - t0) / 1000000 ))
tantivy_bytes=$(du -sb "$tdir" | cut -f1)
awk -v k="$kbase_ms" -v t="$tantivy_ms" -v kb="$kbase_bytes" -v tb="$tantivy_bytes" 'BEGIN {
    printf "full index build: kbase %.1f s, tantivy-cli %.1f s (%.2fx)\n", k / 1000, t / 1000, k / t
    printf "index size:       kbase %.0f MB, tantivy-cli %.0f MB (%.2fx)\n", kb / 1e6, tb / 1e6, kb / tb
}'
echo "(tantivy-cli's index holds id, title and body; kbase's also the sections, events, codes, products, facets and the stored hit summaries)"

"$tantivy" serve -i "$tdir" --host 127.0.0.1 --port "$port" >/dev/null 2>&1 &
server_pid=$!
until curl -sf "http://127.0.0.1:$port/api?q=printer&nhits=1" >/dev/null; do sleep 0.05; done
printf '\n%-12s %-8s %5s %12s %10s %10s %8s\n' server mix conc "requests/s" "p50 ms" "p99 ms" errors
for mix in article text natural; do
    for conc in 1 32; do
        drive tantivy-cli "$mix" "$conc" "$work/tantivy-$mix.txt" "http://127.0.0.1:$port"
    done
done

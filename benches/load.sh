#!/usr/bin/env bash
# Load test of `kbase serve` on the full legacy corpus.
#
# Imports the corpus (../shared/corpus, or the articles folder given as $1), indexes it,
# measures start-up with an up-to-date index, then drives the server with wrk at
# concurrency 1 and 32 for three query mixes taken from the evaluation queries
# (event-ID, article-ID and free-text queries, each request a different query in turn),
# and reports requests/s, p50/p99 latency and errors per run, the server's memory, and
# how long a new and a deleted article file take to show in searches.
#
#   benches/load.sh [ARTICLES_DIR]
#
# Environment: DURATION (seconds per run, default 10), PORT (default 18181),
# KBASE_LOAD_DIR (work folder, kept between runs; default a temporary folder),
# RUST_LOG (server log level; default `warn`, so the access log is off: set
# RUST_LOG=info to measure with it on).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
duration=${DURATION:-10}
port=${PORT:-18181}
work=${KBASE_LOAD_DIR:-$(mktemp -d)}
export RUST_LOG=${RUST_LOG:-warn}
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
python3 - "$eval_file" "$work" <<'EOF'
import json, sys, urllib.parse
mixes = {"event": {"event_id"}, "article": {"article_id"}, "text": {"known_item", "title", "message"}}
rows = [json.loads(l) for l in open(sys.argv[1])]
for name, kinds in mixes.items():
    with open(f"{sys.argv[2]}/paths-{name}.txt", "w") as f:
        for r in rows:
            if r["kind"] in kinds:
                f.write("/api/v1/search?q=" + urllib.parse.quote_plus(r["query"]) + "\n")
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

start_server
echo "articles served: $(curl -s "http://127.0.0.1:$port/readyz")"
printf '\n%-8s %5s %12s %10s %10s %8s\n' mix conc "requests/s" "p50 ms" "p99 ms" errors
for mix in event article text; do
    for conc in 1 32; do
        threads=$(( conc < 2 ? 1 : 2 ))
        out=$(PATHS="$work/paths-$mix.txt" wrk -t"$threads" -c"$conc" -d"${duration}s" --latency -s "$work/paths.lua" "http://127.0.0.1:$port")
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
        non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
        sockerr=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' <<<"$out")
        ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) printf "%.2f", v / 1000; else if (v ~ /ms$/) printf "%.2f", v + 0; else printf "%.2f", v * 1000 }'; }
        printf '%-8s %5s %12s %10s %10s %8s\n' "$mix" "$conc" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$(( ${non2xx:-0} + ${sockerr:-0} ))"
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

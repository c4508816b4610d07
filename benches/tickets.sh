#!/usr/bin/env bash
# Load test of what kbase learns from tickets, on SQLite and on PostgreSQL.
#
#   1. PUT /api/v1/tickets/{ticket}/articles/{id} per second at concurrency 8, each
#      request a new ticket (so each is an insert and a commit), on SQLite and on
#      PostgreSQL.
#   2. Searches per second at concurrency 32 (the event-ID mix of the evaluation queries,
#      or `event id N` for the events of the articles) with the query log off and no
#      ticket links, against the query log on and 2,000 links recorded for the events
#      searched; the runs alternate, three of each, and the cost is the difference of the
#      medians.
#   3. A search's p50 and p99 at concurrency 32 while links are written at 200/s beside
#      it, against the same without the writes.
#
#   benches/tickets.sh [ARTICLES_DIR] [PATHS_FILE]
#
# ARTICLES_DIR defaults to the shipped articles/; PATHS_FILE holds one search path per
# line (`/api/v1/search?q=...`), default: `event id N` for each event the articles name.
# PostgreSQL: KBASE_BENCH_POSTGRES_URL names a server (each run makes its own database),
# else a throwaway cluster is started with .ci/postgres. Environment: DURATION (seconds
# per run, default 10), PORT (default 18191).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
duration=${DURATION:-10}
port=${PORT:-18191}
articles=${1:-$here/articles}
work=$(mktemp -d)
token=bench-admin-token-0123456789abcdefghij
server=""
pg_started=""

cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    [ -n "$pg_started" ] && "$here/.ci/postgres" stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 2; }
cargo build --release --quiet --manifest-path "$here/Cargo.toml"
kbase="$here/target/release/kbase"

if [ -z "${KBASE_BENCH_POSTGRES_URL:-}" ]; then
    eval "$("$here/.ci/postgres" start)"
    pg_started=1
    KBASE_BENCH_POSTGRES_URL=$KBASE_TEST_POSTGRES_URL
fi
fresh_pg() {
    local name="kbase_bench_$$_${RANDOM}${RANDOM}"
    python3 - "$KBASE_BENCH_POSTGRES_URL" "$name" <<'PY'
import subprocess, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
subprocess.run(["psql", "-q", "-h", u.hostname, "-p", str(u.port), "-U", u.username or "postgres",
                "-d", u.path.lstrip("/") or "postgres", "-c", f"CREATE DATABASE {sys.argv[2]}"], check=True)
PY
    echo "${KBASE_BENCH_POSTGRES_URL%/*}/$name"
}

"$kbase" index --articles "$articles" --data "$work/data" --quiet
article=$("$kbase" search --articles "$articles" --data "$work/data" --json --limit 1 "event" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["hits"][0]["id"])')

paths=${2:-}
if [ -z "$paths" ]; then
    paths="$work/paths.txt"
    grep -rhoE '^  - id: [0-9]+' "$articles" | awk '{print "/api/v1/search?q=event+id+" $3}' \
        | sort -u > "$paths"
fi
events=$(grep -oE 'event\+id\+[0-9]+|[0-9]{3,5}' "$paths" | grep -oE '[0-9]+$' | sort -u | head -200)

start() { # DATABASE_URL [extra flags]
    local db=$1; shift
    "$kbase" serve --articles "$articles" --data "$work/data" --addr "127.0.0.1:$port" \
        --no-watch --database-url "$db" "$@" 2>"$work/server.log" &
    server=$!
    for _ in $(seq 1 600); do
        curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
        sleep 0.05
    done
    echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}
stop() { kill "$server"; wait "$server" 2>/dev/null || true; server=""; }

cat > "$work/put.lua" <<'LUA'
local threads = {}
function setup(thread) thread:set("tid", #threads); table.insert(threads, thread) end
function init(args) n = 0 end
local token, article = os.getenv("TOKEN"), os.getenv("ARTICLE")
local body = '{"outcome": "fixed", "event": {"id": 5058}, "query": "event id 5058"}'
request = function()
    n = n + 1
    return wrk.format("PUT", "/api/v1/tickets/B" .. tid .. "-" .. n .. "/articles/" .. article,
        {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
LUA
cat > "$work/paths.lua" <<'LUA'
local paths, i = {}, 0
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
request = function()
    i = i % #paths + 1
    return wrk.format("GET", paths[i])
end
LUA

wrk_run() { # CONNECTIONS SCRIPT → "rps p50 p99 errors"
    TOKEN=$token ARTICLE=$article PATHS=$paths wrk -t2 -c"$1" -d"${duration}s" --latency \
        -s "$2" "http://127.0.0.1:$port" | awk '
        /Requests\/sec/ {rps=$2}
        /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
        /Non-2xx/ {err=$NF} /Socket errors/ {err=err" socket:"$0}
        END {printf "%s req/s, p50 %s, p99 %s, errors %s\n", rps, p50, p99, (err==""?0:err)}'
}

export KBASE_ADMIN_TOKEN=$token
echo "kbase tickets load: $(find "$articles" -name '*.md' | wc -l) articles, $(wc -l <"$paths") search paths, ${duration} s per run, $(nproc) cores"

echo "== PUT links at c=8 (each a new ticket)"
start "sqlite://$work/put.db"
echo "SQLite:     $(wrk_run 8 "$work/put.lua")"
stop
start "$(fresh_pg)"
echo "PostgreSQL: $(wrk_run 8 "$work/put.lua")"
stop

echo "== searches at c=32: query log and outcome ranking off, then on (alternating)"
ranked_db="sqlite://$work/ranked.db"
start "$ranked_db"
i=0
for e in $events; do
    i=$((i + 1))
    for outcome in fixed fixed not_fixed; do
        printf '{"outcome":"%s","event":{"id":%s}}' "$outcome" "$e" | curl -sf -o /dev/null -X PUT \
            -H "Authorization: Bearer $token" -H 'Content-Type: application/json' --data-binary @- \
            "http://127.0.0.1:$port/api/v1/tickets/R$i-$outcome-$RANDOM/articles/$article" || true
    done
done
stop
links=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from ticket_links').fetchone()[0])" "$work/ranked.db")
echo "($links links recorded for the events searched)"
off=(); on=()
for round in 1 2 3; do
    start "sqlite://$work/empty-$round.db" --no-query-log
    off+=("$(wrk_run 32 "$work/paths.lua" | awk '{print $1}')")
    stop
    start "$ranked_db"
    on+=("$(wrk_run 32 "$work/paths.lua" | awk '{print $1}')")
    stop
done
python3 - "${off[*]}" "${on[*]}" <<'PY'
import statistics, sys
off = [float(x) for x in sys.argv[1].split()]
on = [float(x) for x in sys.argv[2].split()]
a, b = statistics.median(off), statistics.median(on)
print(f"off: {off} req/s, median {a:.0f}")
print(f"on:  {on} req/s, median {b:.0f}")
print(f"cost of the query log and outcome ranking: {100 * (a - b) / a:.1f}%")
PY

echo "== search latency at c=32, without and with links written at 200/s"
start "$(fresh_pg)"
echo "no writes:        $(wrk_run 32 "$work/paths.lua")"
python3 - "$port" "$token" "$article" "$duration" >"$work/writer.txt" <<'PY' &
# 200 writes/s from 8 threads, each with its own connection and its share of the pace.
import http.client, sys, threading, time
port, token, article, duration = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4]) + 2
threads, rate = 8, 200.0
done, bad, lock = [0], [0], threading.Lock()
start = time.monotonic()
def run(t):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    n = 0
    while time.monotonic() - start < duration:
        due = start + (n * threads + t) / rate
        if due > time.monotonic():
            time.sleep(due - time.monotonic())
        conn.request("PUT", f"/api/v1/tickets/P{t}-{n}/articles/{article}", '{"outcome": "fixed", "event": {"id": 5058}}',
                     {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        r = conn.getresponse(); r.read()
        with lock:
            done[0] += 1
            bad[0] += r.status != 201
        n += 1
ts = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
print(f"{done[0] / (time.monotonic() - start):.0f} writes/s, {bad[0]} not 201")
PY
writer=$!
sleep 1
echo "writes at 200/s:  $(wrk_run 32 "$work/paths.lua")  (PostgreSQL)"
wait "$writer"
echo "writer: $(cat "$work/writer.txt")"
stop

#!/usr/bin/env bash
# What hostile requests cost `kbase serve`, and whether the server stays responsive.
#
# Starts the release build on an articles folder ($1, default the shipped articles/),
# then:
#   1. sends two worst-case 1 MiB bodies to /api/v1/suggest at once (one of article ids,
#      one of event IDs) and, while they run, probes /healthz every 20 ms: prints how long
#      each body took and the slowest /healthz answer (target: under 100 ms, and both
#      bodies answered within the 10 s request timeout);
#   2. sends 100,000 requests with made-up HTTP methods and prints the server's RSS
#      before and after, and the size of /metrics (target: RSS within 10 MB).
#
#   benches/hostile.sh [ARTICLES_DIR]
#
# Environment: PORT (default 18182). Traffic goes to 127.0.0.1 only.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-18182}
articles=${1:-$here/articles}
work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

cargo build --release --quiet --manifest-path "$here/Cargo.toml"
RUST_LOG=warn "$here/target/release/kbase" serve --articles "$articles" --data "$work/data" \
    --addr "127.0.0.1:$port" --no-watch 2>"$work/serve.log" &
server_pid=$!
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
base="http://127.0.0.1:$port"

python3 - "$work" <<'EOF'
import sys
work = sys.argv[1]
size = 1024 * 1024
ids = "".join(f"Q{n:06d} " for n in range(size // 8 + 1))
events = "".join(f"event id {n % 65536}\n" for n in range(size // 14 + 1))
open(f"{work}/ids.txt", "w").write(ids[:size])
open(f"{work}/events.txt", "w").write(events[:size])
EOF

rss() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }

echo "1. two 1 MiB suggest bodies at once, /healthz probed every 20 ms"
pids=()
for body in ids events; do
    curl -s -o /dev/null -w "$body: %{http_code} in %{time_total} s\n" \
        -H 'Content-Type: text/plain' --data-binary "@$work/$body.txt" "$base/api/v1/suggest" \
        >"$work/$body.out" &
    pids+=($!)
done
running() { for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
slowest=0
while running; do
    t=$(curl -s -o /dev/null -w '%{time_total}' "$base/healthz")
    slowest=$(awk -v a="$slowest" -v b="$t" 'BEGIN { print (b > a ? b : a) }')
    sleep 0.02
done
wait "${pids[@]}"
cat "$work/ids.out" "$work/events.out"
awk -v s="$slowest" 'BEGIN { printf "slowest /healthz while they ran: %.1f ms\n", s * 1000 }'

echo
echo "2. 100,000 requests with made-up methods"
before=$(rss)
python3 - "$port" <<'EOF'
import socket, sys
port = int(sys.argv[1])
sent = 0
while sent < 100_000:
    s = socket.create_connection(("127.0.0.1", port))
    batch = b"".join(
        f"M{(sent + i) % 1_000_000:06d} /healthz HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        for i in range(100)
    )
    s.sendall(batch)
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()
    sent += 100
EOF
after=$(rss)
metrics=$(curl -s "$base/metrics" | wc -c)
echo "RSS before $((before / 1024)) MB, after $((after / 1024)) MB; /metrics is $metrics bytes"

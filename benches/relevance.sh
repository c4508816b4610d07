#!/usr/bin/env bash
# Relevance from scratch: unpack the legacy corpus, import it, index it, and score the
# eval queries (recall@10, MRR@10 and latency per kind) with benches/relevance.rs.
# Usage: benches/relevance.sh [QUERIES.jsonl]   (default ../shared/eval/public.jsonl)
set -euo pipefail
cd "$(dirname "$0")/.."
queries=${1:-../shared/eval/public.jsonl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xJf ../shared/corpus/kb-legacy-dev.tar.xz -C "$work"
cargo build --release --quiet
./target/release/kbase import "$work/txt" --out "$work/articles" --quiet
./target/release/kbase index --articles "$work/articles" --data "$work/data" --quiet
cargo bench --quiet --bench relevance -- "$work/articles" "$work/data" "$queries"

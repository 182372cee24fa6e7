#!/usr/bin/env bash
# Engine speed with several model folders, both NER backends, in one run:
# `anonymist analyze --jsonl` over the shared synth set (1,500 texts), each
# (model, backend) pair timed ROUNDS times in turn (interleaved, so that a
# drifting machine hits every pair alike); prints the best texts/s of each.
#
#   scripts/bench-models.sh MODEL_DIR [MODEL_DIR ...]      (ROUNDS=3 by default)
#
# Needs ../shared/eval/presidio_synth_v2.jsonl and a release build; the ONNX
# Runtime rows need .ort/ (scripts/fetch-onnxruntime). Output goes to stdout only.
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/eval/presidio_synth_v2.jsonl
[ -f "$data" ] || { echo "skipped: $data is absent" >&2; exit 0; }
[ $# -ge 1 ] || { echo "usage: $0 MODEL_DIR [MODEL_DIR ...]" >&2; exit 2; }
rounds=${ROUNDS:-3}
cargo build --release --quiet
n=$(wc -l < "$data")
declare -A best
for r in $(seq "$rounds"); do
  for dir in "$@"; do
    for backend in onnxruntime pure-rust; do
      t0=$(date +%s.%N)
      target/release/anonymist analyze --model-dir "$dir" --backend "$backend" --jsonl "$data" > /dev/null
      t1=$(date +%s.%N)
      key="$dir|$backend"
      best[$key]=$(awk -v n="$n" -v a="$t0" -v b="$t1" -v p="${best[$key]:-0}" \
        'BEGIN { r = n / (b - a); print (r > p ? r : p) }')
    done
  done
done
printf '%-40s %-12s %10s\n' model backend texts/s
for dir in "$@"; do
  for backend in onnxruntime pure-rust; do
    printf '%-40s %-12s %10.1f\n' "$dir" "$backend" "${best[$dir|$backend]}"
  done
done

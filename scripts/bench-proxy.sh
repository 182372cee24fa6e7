#!/usr/bin/env bash
# Added latency, throughput and memory of the /v1/chat/completions proxy
# against an in-process upstream stub, loopback only (issue 5, item 6).
#
#   scripts/bench-proxy.sh [EXTRA ARGS for examples/bench_proxy]
#
# Builds examples/bench_proxy in release mode and runs it twice: engine =
# patterns only, then patterns + NER (the model in ./models, backend auto).
# Prints markdown tables on stdout; timing notes go to stderr. Each run is
# bounded by request counts and a per-phase time cap (see the example's
# doc comment); both together take a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet --release --example bench_proxy
bin=target/release/examples/bench_proxy

echo "## Proxy benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs)"
echo
echo "Load before: \`$(uptime | sed 's/^ *//')\`"
echo
"$bin" --patterns-only "$@"
echo "Load between runs: \`$(uptime | sed 's/^ *//')\`"
echo
"$bin" "$@"
echo "Load after: \`$(uptime | sed 's/^ *//')\`"

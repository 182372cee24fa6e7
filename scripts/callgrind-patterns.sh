#!/bin/sh
# Steady-state instructions per MB of the pattern pass on the 1 MB prose of
# benches/patterns.rs (PII every ~2 KB), independent of machine load:
# callgrind counts the detect calls of ITERS=2 and ITERS=6 runs; the
# difference / 4 is one pass without the lazy DFAs' warm-up.
#   scripts/callgrind-patterns.sh            whole pass
#   MODE=phases PHASE=dates scripts/callgrind-patterns.sh   one prefilter phase
set -eu
cd "$(dirname "$0")/.."
cargo build --release --example profile_recognizers >/dev/null 2>&1
run() {
    ITERS=$1 valgrind --tool=callgrind --callgrind-out-file="${TMPDIR:-/tmp}/anonymist-cg$1.out" \
        --toggle-collect='*PatternDetector*detect*' \
        ./target/release/examples/profile_recognizers "${MODE:-all}" >/dev/null 2>"${TMPDIR:-/tmp}/anonymist-cg.err"
    grep -oE "Collected : [0-9]+" "${TMPDIR:-/tmp}/anonymist-cg.err" | grep -oE "[0-9]+"
}
a=$(run 2)
b=$(run 6)
echo "instructions per MB (steady state, ${PHASE:-all}): $(( (b - a) / 4 ))"

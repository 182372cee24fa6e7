#!/usr/bin/env bash
# Pattern pass on one 100 MB line: time and peak RSS, to show there is no
# quadratic blow-up (no per-line assumptions, bounded windows, linear regexes).
#
#   scripts/bench-bigline.sh [SIZE_MB]   # default 100
#
# Generates the input in a temp dir (seeded, English-like words with a PII
# item every ~2 KB, no newline), builds examples/scan_file in release mode
# and runs it under /usr/bin/time -v. Also runs a 10 MB line for the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb="${1:-100}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

gen() { # gen BYTES FILE
  python3 - "$1" "$2" <<'PY'
import random, sys
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
words = ("the of and to in a is that for it as was with be by on not this are or from at which "
         "but have an had they you were their one all we can has there been if more when will "
         "customer account meeting report project review team office request delivery").split()
pii = ["john.doe@example.com", "+44 20 7946 0958", "4111 1111 1111 1111",
       "GB82 WEST 1234 5698 7654 32", "10.1.2.3", "536-90-4399",
       "https://www.example.org/u/1", "(415) 555-0132"]
chunk = []
size = 0
with open(path, "w") as f:
    while size < n:
        part = " ".join(rng.choice(words) for _ in range(300)) + " " + rng.choice(pii) + " "
        if rng.random() < 0.3:
            part += str(rng.randint(1990, 2030)) + " "
        f.write(part)
        size += len(part)
PY
}

cargo build --quiet --release --example scan_file
for mb in 10 "$size_mb"; do
  gen $((mb * 1024 * 1024)) "$tmp/line.txt"
  echo "== ${mb} MB, one line ($(wc -l < "$tmp/line.txt") newlines)"
  /usr/bin/time -v target/release/examples/scan_file "$tmp/line.txt" 2> "$tmp/time.txt"
  grep -E "Elapsed \(wall|Maximum resident|User time" "$tmp/time.txt"
done

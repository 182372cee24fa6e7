#!/usr/bin/env bash
# Hybrid engine (patterns + NER, as `anonymist analyze` runs it) on the shared evaluation set,
# one model folder against another: per-label exact/overlap figures and the leak.
#
#   scripts/eval-hybrid.sh OLD_MODEL_DIR NEW_MODEL_DIR [OUT_DIR]
#
# Needs ../shared/eval (presidio_synth_v2.jsonl, label_map.json, score.py) and a release
# build. Predictions go to OUT_DIR (default: a temporary folder), never into the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?old model folder}; new=${2:?new model folder}
out=${3:-$(mktemp -d)}
eval=../shared/eval
[ -f "$eval/presidio_synth_v2.jsonl" ] || { echo "skipped: $eval/presidio_synth_v2.jsonl is absent" >&2; exit 0; }
cargo build --release --quiet
mkdir -p "$out"
for pair in "old:$old" "new:$new"; do
  name=${pair%%:*}; dir=${pair#*:}
  target/release/anonymist analyze --model-dir "$dir" --jsonl "$eval/presidio_synth_v2.jsonl" \
    > "$out/synth_$name.jsonl"
  echo "== $name model ($dir)"
  python3 "$eval/score.py" "$eval/presidio_synth_v2.jsonl" "$out/synth_$name.jsonl" \
    --map "$eval/label_map.json" 2>&1 | grep -v "^ *$" | head -30
  echo "-- leak in the NER issue's scope (PERSON, STREET_ADDRESS, ZIP_CODE, structured; non-space characters)"
  python3 "$eval/score.py" "$eval/presidio_synth_v2.jsonl" "$out/synth_$name.jsonl" \
    --labels PERSON STREET_ADDRESS ZIP_CODE CREDIT_CARD PHONE_NUMBER EMAIL_ADDRESS DOMAIN_NAME \
             IBAN_CODE US_SSN IP_ADDRESS US_DRIVER_LICENSE 2>&1 | grep "PII leak"
done
echo "predictions in $out"

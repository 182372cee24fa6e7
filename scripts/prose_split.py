#!/usr/bin/env python3
"""Writes the real-prose test split of the training pipeline (held-out BTC tweets and the SEC
filing documents of FIN3, gold PERSON / ORGANIZATION / LOCATION) in the scorer's JSONL shape,
exactly as scripts/train/build_data.py holds it out (same seed, same documents), without the
training environment (no spaCy, no torch: only numpy, which build_data imports).

    python3 scripts/prose_split.py --corpora ../shared/train > /tmp/prose_test.jsonl

@handles and MISC spans are not gold; predictions that overlap them are dropped before
scoring (`ignore` lists their ranges, in code points). Nothing is written into the repository.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "train"))
import build_data  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", required=True, help="folder with BTC/ and SEC-filings/")
    args = ap.parse_args()
    # build_data.main() seeds one Random(SEED) and draws the BTC split from it first.
    rng = random.Random(build_data.SEED)
    _, btc_te = build_data.load_btc(args.corpora, rng)
    _, sec_te = build_data.load_sec(args.corpora)
    for r in btc_te + sec_te:
        print(json.dumps({
            "id": r["id"], "source": r["source"], "text": r["text"],
            "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in r["gold"]
                      if lab in ("PERSON", "ORGANIZATION", "LOCATION")],
            "ignore": [[s, e] for s, e, lab in r["gold"] if lab in ("HANDLE", "MISC")],
        }, ensure_ascii=False))


if __name__ == "__main__":
    main()

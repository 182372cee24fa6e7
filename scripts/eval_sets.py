#!/usr/bin/env python3
"""The engine's precision and leak on three sets we did not write the text of, in one table:

  synth   ../shared/eval/presidio_synth_v2.jsonl (presidio-evaluator), every label;
  faker   a held-out faker set of names and postal addresses (scripts/heldout_contacts.py);
  prose   the real-prose test split (held-out BTC tweets and SEC filings; scripts/prose_split.py),
          gold PERSON / ORGANIZATION / LOCATION, @handles and MISC ignored.

    python3 scripts/eval_sets.py --bin target/release/anonymist --work /tmp/eval [-- ANALYZE FLAGS]

Needs ../shared/eval and ../shared/train, and a Python with numpy and faker==40.63.0 for the two
generated sets (e.g. a venv outside the repository: `pip install numpy faker==40.63.0`). Every
file it writes goes to --work, never into the repository. Figures: exact-span F1 per label,
`leak` = share of gold PII characters (non-space) left unmasked, `char P` = share of masked
characters that are gold PII. On the prose split only PERSON / ORGANIZATION / LOCATION /
STREET_ADDRESS predictions are scored (the gold holds nothing else).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EVAL = os.path.join(ROOT, "..", "shared", "eval")
sys.path.insert(0, EVAL)
import score as S  # noqa: E402  (../shared/eval/score.py, stdlib only)


def analyze(binary, extra, src, dst):
    with open(dst, "w") as out:
        subprocess.run([binary, "analyze", "--jsonl", src, *extra], stdout=out, check=True)


def scored(gold_path, pred_path, labels=None, restrict=None):
    gold = S.load_gold(gold_path)
    preds = S.load_pred(pred_path, gold)
    lmap = S.load_map(os.path.join(EVAL, "label_map.json"))
    if restrict is not None:
        ignore = {}
        with open(gold_path) as f:
            for line in f:
                r = json.loads(line)
                ignore[r["id"]] = r.get("ignore", [])
        for doc_id, spans in preds.items():
            preds[doc_id] = [s for s in spans if s[2] in restrict and not any(
                s[0] < e and b < s[1] for b, e in ignore.get(doc_id, []))]
    return S.score(gold, preds, lmap=lmap, labels=labels)


def row(name, res, labels):
    leak = res["leak"]
    cells = [f"{name:<6}", f"leak {1 - leak['leak_recall']:.2%} ({leak['unmasked_pii_chars']}/{leak['gold_pii_chars']})",
             f"char P {leak['char_precision']:.3f}", f"micro F1 {res['micro']['exact']['f1']:.3f}"]
    for lab in labels:
        pl = res["per_label"].get(lab)
        if pl:
            e = pl["exact"]
            cells.append(f"{lab} {e['p']:.3f}/{e['r']:.3f}/{e['f1']:.3f} leak {1 - pl['leak_recall']:.2%}")
    print(" | ".join(cells))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "anonymist"))
    ap.add_argument("--work", required=True, help="folder for generated sets and predictions")
    ap.add_argument("--python", default=sys.executable, help="Python with numpy and faker")
    ap.add_argument("--tag", default="run", help="name of this run's prediction files")
    ap.add_argument("extra", nargs="*", help="flags passed to `anonymist analyze`")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    synth = os.path.join(EVAL, "presidio_synth_v2.jsonl")
    faker = os.path.join(args.work, "heldout.jsonl")
    prose = os.path.join(args.work, "prose_test.jsonl")
    if not os.path.exists(faker):
        with open(faker, "w") as f:
            subprocess.run([args.python, os.path.join(HERE, "heldout_contacts.py"), "--n", "600",
                            "--seed", "7"], stdout=f, check=True)
    if not os.path.exists(prose):
        with open(prose, "w") as f:
            subprocess.run([args.python, os.path.join(HERE, "prose_split.py"), "--corpora",
                            os.path.join(ROOT, "..", "shared", "train")], stdout=f, check=True)
    for name, gold, labels, restrict in [
        ("synth", synth, ["PERSON", "LOCATION", "ORGANIZATION"], None),
        ("faker", faker, ["PERSON", "LOCATION"], None),
        ("prose", prose, ["PERSON", "LOCATION", "ORGANIZATION"],
         {"PERSON", "ORGANIZATION", "LOCATION", "STREET_ADDRESS"}),
    ]:
        pred = os.path.join(args.work, f"{name}_{args.tag}.jsonl")
        analyze(args.bin, args.extra, gold, pred)
        row(name, scored(gold, pred, restrict=restrict), labels)


if __name__ == "__main__":
    main()

"""Write the golden file: fixed sentences and the spans the shipped int8 model finds in them.

    python scripts/train/golden.py --base BASE_DIR --model models/anonymist-ner-int8.onnx \
        --config models/anonymist-ner-config.json --out models/anonymist-ner-golden.jsonl

Regenerated only by the training pipeline, after quantize.py. Each line:
  {"text": ..., "ids": [token ids with [CLS] and [SEP]], "argmax": [label id per token],
   "margin": [top-1 minus top-2 logit per token],
   "spans": [{"start", "end", "byte_start", "byte_end", "label", "canonical", "value"}]}
The engine's test (tests/ner_model.rs) checks that its tokenizer gives the same ids and both of
its backends the same argmax wherever the margin is clear.
start/end count Unicode code points (Python str indices), byte_start/byte_end UTF-8 bytes.
The spans are the raw model labels decoded as in common.decode (threshold 0.5, sub-word pieces
merged) - not merged across labels; "canonical" is the scorer's canonical label.
"""
from __future__ import annotations

import argparse
import json

import numpy as np

import common as C

SENTENCES = [
    "My name is Sarah Johnson and my email is sarah.johnson@example.com.",
    "Call me at (415) 555-0132 or write to 1600 Amphitheatre Parkway, Mountain View, CA 94043.",
    "Microsoft announced a new data centre in Ireland.",
    "She worked for the World Health Organization in Geneva for ten years.",
    "Apple and Samsung are fighting over patents in Germany and Japan.",
    "The European Central Bank raised rates again on Thursday.",
    "We spent our holidays in Portugal and then flew to Brazil.",
    "Hans Müller arbeitet bei der Siemens AG in München.",
    "Marie Dubois travaille chez Renault à Lyon depuis 2015.",
    "Juan García vive en Sevilla y trabaja para Telefónica.",
    "Giulia Bianchi si è trasferita da Milano a Roma.",
    "João Silva mudou-se de Lisboa para o Porto.",
    "Jan de Vries werkt bij Philips in Eindhoven.",
    "Please send the contract to Goldman Sachs before Friday.",
    "The United Nations held a summit in New York about Kenya and Ethiopia.",
    "Contact john.doe@acme-corp.com or +44 20 7946 0958 for details.",
    "Her passport number is X1234567 and she lives at 221B Baker Street, London NW1 6XE.",
    "Amazon, Google and the University of Oxford signed the agreement in Canada.",
    "I moved from Poland to Australia last year.",
    "Visit https://www.example.org or ask Peter at Deutsche Bank in Frankfurt.",
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    cfg = json.load(open(args.config))
    labels = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
    tok = C.tokenizer(args.base)
    sess = C.ort_session(args.model)
    raw = C.predict_spans(sess, tok, SENTENCES, labels, batch=1)
    with open(args.out, "w", encoding="utf-8") as fh:
        for t, sp in zip(SENTENCES, raw):
            ids = C.encode(tok, t)[0]
            lg = C.run_ort(sess, [ids])[0]
            top2 = np.sort(lg, axis=-1)[:, -2:]
            spans = [{"start": s, "end": e, "byte_start": len(t[:s].encode()), "byte_end": len(t[:e].encode()),
                      "label": L, "canonical": C.CANON.get(L, L), "value": t[s:e]} for s, e, L in sp]
            rec = {"text": t, "ids": [int(i) for i in ids], "argmax": [int(a) for a in lg.argmax(-1)],
                   "margin": [round(float(m), 4) for m in top2[:, 1] - top2[:, 0]], "spans": spans}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
            print(t, "->", [(x["value"], x["label"]) for x in spans])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write reference logits from Python onnxruntime for tests/data/ner_reference.json.

Run it in a virtualenv outside the repository:
    python3 -m venv /tmp/venv-ner && /tmp/venv-ner/bin/pip install onnxruntime==1.31.1 tokenizers numpy
    /tmp/venv-ner/bin/python scripts/ner-reference-logits.py > tests/data/ner_reference.json

Each record holds the sentence, its token ids ([CLS] ... [SEP]) and the logits
[tokens][labels] rounded to 5 decimals (one sentence per run, as the engine
runs an int8 graph). tests/ner.rs checks that both Rust backends
reproduce them. The sentences are made up for this purpose.
"""
import json
import os
import sys

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SENTENCES = [
    "John Smith lives at 42 Baker Street, London.",
    "Write to maria.garcia@example.org or call +1 (415) 555-0172 today.",
    "Élodie Dubois a payé 漢字 avec la carte 👋 rue de Rivoli 12, Paris",
    "My SSN is 123-45-6789 and my passport number is X12345678.",
    "Ship it to Apt. 4B, 1600 Pennsylvania Avenue NW, Washington, DC 20500.",
]


def main():
    tok = Tokenizer.from_file(os.path.join(ROOT, "models", "tokenizer.json"))
    so = onnxruntime.SessionOptions()
    so.intra_op_num_threads = 1
    sess = onnxruntime.InferenceSession(os.path.join(ROOT, "models", "onnx", "model_int8.onnx"), so,
                                        providers=["CPUExecutionProvider"])
    out = {"onnxruntime": onnxruntime.__version__, "records": []}
    for s in SENTENCES:
        enc = tok.encode(s, add_special_tokens=True)
        ids = np.array([enc.ids], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
        logits = sess.run(None, feed)[0][0]
        out["records"].append({
            "text": s,
            "ids": enc.ids,
            "logits": [[round(float(x), 5) for x in row] for row in logits],
        })
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

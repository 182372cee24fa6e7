"""Write the engine's int8 test fixture: a tiny random BERT token classifier exported and
quantized exactly as the shipped model is (export.Wrap, quantize.py's settings), plus
ONNX Runtime's logits for a few sequences.

    python scripts/train/tiny_int8.py --out tests/data

Writes tiny_int8.onnx (about 30 kB) and tiny_int8.json ({"config": ..., "records": [{"ids",
"logits"}]}). tests/ner_int8.rs loads the file with both backends and checks their logits
against these. Seeded, CPU only, a few seconds.
"""
from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic

import common as C
from export import Wrap

SEED = 13
CONFIG = {"model_type": "bert", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 2,
          "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 40,
          "type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
          "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
          "id2label": {"0": "O", "1": "B-ORGANIZATION", "2": "I-ORGANIZATION", "3": "B-LOCATION",
                       "4": "I-LOCATION"}}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    from transformers import BertConfig, BertForTokenClassification
    torch.manual_seed(SEED)
    cfg = BertConfig(**{k: v for k, v in CONFIG.items() if k != "id2label"},
                     id2label={int(k): v for k, v in CONFIG["id2label"].items()})
    cfg._attn_implementation = "eager"
    model = BertForTokenClassification(cfg).eval()
    with torch.no_grad():
        # larger weights than the init's 0.02 so that quantization matters, and no two equal
        # tensors (zero biases, unit LayerNorm weights): the exporter would merge those
        for p in model.parameters():
            p.mul_(5.0).add_(torch.randn_like(p) * 0.1)
    w = Wrap(model).eval()
    x = torch.tensor([[1, 5, 9, 2], [1, 7, 3, 2]])
    dyn = {0: "batch_size", 1: "sequence_length"}
    fp32 = os.path.join(args.out, "tiny_fp32.onnx")
    torch.onnx.export(w, (x, torch.ones_like(x), torch.zeros_like(x)), fp32,
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["logits"],
                      dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn,
                                    "logits": dyn},
                      opset_version=17, do_constant_folding=True, dynamo=False)
    import onnx
    m = onnx.load(fp32)
    exclude = [n.name for n in m.graph.node if n.op_type == "MatMul" and "classifier" in n.name]
    out = os.path.join(args.out, "tiny_int8.onnx")
    quantize_dynamic(fp32, out, per_channel=True, reduce_range=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gather"], nodes_to_exclude=exclude)
    os.remove(fp32)
    sess = C.ort_session(out)
    rng = np.random.default_rng(SEED)
    records = []
    for n in (3, 9, 17, 38):
        ids = [1] + [int(v) for v in rng.integers(3, 64, n - 2)] + [2]
        lg = C.run_ort(sess, [ids])[0]
        records.append({"ids": ids, "logits": [[round(float(v), 6) for v in row] for row in lg]})
    with open(os.path.join(args.out, "tiny_int8.json"), "w") as fh:
        json.dump({"config": CONFIG, "records": records}, fh)
    print(f"wrote {out} ({os.path.getsize(out)} bytes) and tiny_int8.json")


if __name__ == "__main__":
    main()

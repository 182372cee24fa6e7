"""Write the engine's int8 test fixture: a tiny random BERT token classifier exported and
quantized exactly as the shipped model is (export.Wrap, quantize.py's settings), plus
ONNX Runtime's logits for a few sequences.

    python scripts/train/tiny_int8.py --out tests/data

Writes tiny_int8.onnx (about 80 kB) and tiny_int8.json ({"config": ..., "records": [{"ids",
"logits"}]}), and the same for an fp32 model with a side branch (train.py --branch-from):
tiny_branch.onnx / tiny_branch.json. tests/ner_int8.rs loads the files with both backends and
checks their logits against these. Seeded, CPU only, a few seconds.
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
from train import Branched, NEW_CLASSES

SEED = 13
CONFIG = {"model_type": "bert", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 2,
          "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 40,
          "type_vocab_size": 2, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
          "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
          "id2label": {"0": "O", "1": "B-ORGANIZATION", "2": "I-ORGANIZATION", "3": "B-LOCATION",
                       "4": "I-LOCATION"}}


# the branched fixture: 3 base labels, the branch's 4 after them
BRANCH_CONFIG = dict(CONFIG, num_hidden_layers=3,
                     id2label={str(i): l for i, l in enumerate(["O", "B-CITY", "I-CITY"] + NEW_CLASSES[1:])},
                     anonymist_branch={"from_layer": 1, "layers": 2, "labels": NEW_CLASSES,
                                       "join": "base_first"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    write(args.out, "tiny_int8", CONFIG)
    # fp32: the branch's wiring is checked exactly. Quantized, one activation that lands on a
    # rounding boundary in one backend and not the other (float noise of 1e-6) moves a
    # token's logits by a whole quantization step; the int8 path is tiny_int8's job.
    write(args.out, "tiny_branch", BRANCH_CONFIG, quantize=False)


def write(out_dir, name, config, quantize=True):
    from transformers import BertConfig, BertForTokenClassification
    torch.manual_seed(SEED)
    branch = config.get("anonymist_branch")
    labels = list(config["id2label"].values())
    if branch:
        labels = labels[:len(labels) - len(branch["labels"]) + 1]
    cfg = BertConfig(**{k: v for k, v in config.items() if k not in ("id2label", "anonymist_branch")},
                     id2label=dict(enumerate(labels)))
    cfg._attn_implementation = "eager"
    model = BertForTokenClassification(cfg).eval()
    if branch:
        model = Branched(model, branch["from_layer"], branch["layers"]).eval()
    with torch.no_grad():
        # larger weights than the init's 0.02 so that quantization matters, and no two equal
        # tensors (zero biases, unit LayerNorm weights): the exporter would merge those
        for p in model.parameters():
            p.mul_(5.0).add_(torch.randn_like(p) * 0.1)
    w = Wrap(model).eval()
    x = torch.tensor([[1, 5, 9, 2], [1, 7, 3, 2]])
    dyn = {0: "batch_size", 1: "sequence_length"}
    fp32 = os.path.join(out_dir, name + "_fp32.onnx")
    torch.onnx.export(w, (x, torch.ones_like(x), torch.zeros_like(x)), fp32,
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["logits"],
                      dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn,
                                    "logits": dyn},
                      opset_version=17, do_constant_folding=True, dynamo=False)
    out = os.path.join(out_dir, name + ".onnx")
    if not quantize:
        os.replace(fp32, out)
    else:
        quantize_file(fp32, out)
    sess = C.ort_session(out)
    rng = np.random.default_rng(SEED)
    records = []
    for n in (3, 9, 17, 38):
        ids = [1] + [int(v) for v in rng.integers(3, 64, n - 2)] + [2]
        lg = C.run_ort(sess, [ids])[0]
        records.append({"ids": ids, "logits": [[round(float(v), 6) for v in row] for row in lg]})
    with open(os.path.join(out_dir, name + ".json"), "w") as fh:
        json.dump({"config": config, "records": records}, fh)
    print(f"wrote {out} ({os.path.getsize(out)} bytes) and {name}.json")


def quantize_file(fp32, out):
    import onnx
    m = onnx.load(fp32)
    exclude = [n.name for n in m.graph.node if n.op_type == "MatMul" and "classifier" in n.name]
    quantize_dynamic(fp32, out, per_channel=True, reduce_range=True, weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gather"], nodes_to_exclude=exclude)
    os.remove(fp32)


if __name__ == "__main__":
    main()

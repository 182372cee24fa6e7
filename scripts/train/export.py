"""Export the fine-tuned model to ONNX (fp32) with the shipped model's interface.

    python scripts/train/export.py --base BASE_DIR --weights OUT/model_ft.pt --out OUT/anonymist-ner-fp32.onnx \
        --config-out OUT/anonymist-ner-config.json

Inputs as in model_q4.onnx: input_ids, attention_mask, token_type_ids (int64,
[batch_size, sequence_length]); output: logits [batch_size, sequence_length, num_labels].
Checks the ONNX logits against PyTorch and writes the config.json with the new id2label.
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

import common as C
from rebuild import build_model, CHECK_TEXTS
from train import Branched, NEW_CLASSES


class Wrap(torch.nn.Module):
    """Embeddings -> layers -> classifier with an explicit additive attention mask.

    (Calling the HF model directly lets its mask helper drop an all-ones example mask while
    tracing, and the exported graph would then ignore padding.)"""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, token_type_ids):
        if isinstance(self.m, Branched):
            return self.m(input_ids, attention_mask, token_type_ids)
        h = self.m.bert.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        em = (1.0 - attention_mask[:, None, None, :].to(h.dtype)) * torch.finfo(torch.float32).min
        for layer in self.m.bert.encoder.layer:
            h = layer(h, em)
        return self.m.classifier(h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--config-out", required=True)
    args = ap.parse_args()
    t0 = time.time()
    torch.set_num_threads(2)
    base_cfg = C.load_base_config(args.base)
    labels = C.new_labels(base_cfg)
    sd = torch.load(args.weights)
    branch = None
    tok = C.tokenizer(args.base)
    ids, _, _ = C.encode(tok, CHECK_TEXTS[0], 512)
    x = torch.tensor([ids, ids])
    if "branch_classifier.weight" in sd:
        # a side branch next to the shipped model (train.py --branch-from)
        info = json.load(open(os.path.splitext(args.weights)[0] + "_trainlog.json"))["info"]
        branch = {"from_layer": info["branch_from"], "layers": info["branch_layers"],
                  "labels": NEW_CLASSES, "join": "base_first"}
        base = build_model(os.path.join(args.base, "config.json"), id2label=C.old_labels(base_cfg))
        model = Branched(base, branch["from_layer"], branch["layers"])
        model.load_state_dict(sd)
        w = Wrap(model).eval()
    else:
        model = build_model(os.path.join(args.base, "config.json"), id2label=labels)
        model.load_state_dict(sd)
        model.eval()
        w = Wrap(model).eval()  # a fresh Module is in training mode; the exporter restores that mode
        with torch.no_grad():  # the wrapper is the HF model
            ref = model(input_ids=x, attention_mask=torch.ones_like(x), token_type_ids=torch.zeros_like(x)).logits
            assert float((w(x, torch.ones_like(x), torch.zeros_like(x)) - ref).abs().max()) < 1e-4
    dyn = {0: "batch_size", 1: "sequence_length"}
    torch.onnx.export(
        w, (x, torch.ones_like(x), torch.zeros_like(x)), args.out,
        input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
        dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn, "logits": dyn},
        opset_version=17, do_constant_folding=True, dynamo=False)

    sess = C.ort_session(args.out)
    worst = 0.0
    batch = [C.encode(tok, t, 512)[0] for t in CHECK_TEXTS]
    got = C.run_ort(sess, batch)
    for ids, g in zip(batch, got):
        with torch.no_grad():
            xi = torch.tensor([ids])
            ref = w(xi, torch.ones_like(xi), torch.zeros_like(xi))[0].numpy()
        worst = max(worst, float(np.abs(ref - g).max()))
    print(f"max |logit diff| onnx fp32 vs torch (padded batch): {worst:.2e}")
    assert worst < 1e-3, worst

    cfg = dict(base_cfg)
    cfg["id2label"] = {str(i): l for i, l in enumerate(labels)}
    cfg["label2id"] = {l: i for i, l in enumerate(labels)}
    if branch:
        # how the pure-Rust backend finds and joins the branch (see train.py Branched)
        cfg["anonymist_branch"] = branch
    cfg["_comment"] = ("anonymist-ner: the shipped Rampart model (CC BY 4.0, National Design Studio) "
                       "fine-tuned with ORGANIZATION and LOCATION labels; see models/README.md")
    with open(args.config_out, "w", encoding="utf-8") as fh:
        json.dump(cfg, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB) and {args.config_out} "
          f"in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()

"""Rebuild the shipped model as a PyTorch BertForTokenClassification from its ONNX file.

    python scripts/train/rebuild.py --base BASE_DIR --out OUT_DIR/base_fp32.pt

No hub access: the architecture comes from BASE_DIR/config.json, every weight from the
initializers of BASE_DIR/onnx/model_q4.onnx:
  * MatMulNBits (bits=4, block_size=32, no zero-point input -> zero point 8):
    B uint8 [N, K/32, 16], low nibble first; scales [N, K/32];
    W[n, k] = (nibble - 8) * scale[n, k // 32]. The node name gives the module
    (/bert/encoder/layer.0/attention/self/query/MatMul_Q4 -> ...query.weight, shape [N, K]).
  * the three embedding tables: uint8 with a per-tensor scale and zero point
    (Gather + DequantizeLinear): W = (q - zp) * scale.
  * biases and LayerNorm parameters: fp32, under their PyTorch names.
Then the logits of the rebuilt model are compared with onnxruntime on the q4 file.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper as nh

import common as C

CHECK_TEXTS = [
    "My name is Sarah Johnson and my email is sarah.johnson@example.com.",
    "Call me at (415) 555-0132 or visit 1600 Amphitheatre Parkway, Mountain View, CA 94043.",
    "Hans Müller wohnt in der Hauptstraße 5, 10115 Berlin.",
    "Apple and Microsoft opened offices in Paris and Madrid.",
    "Il mio codice fiscale è RSSMRA85T10A562S, scrivimi a mario.rossi@mail.it",
]


def dequant_nbits(q: np.ndarray, scales: np.ndarray, K: int, N: int, block: int = 32) -> np.ndarray:
    q = q.reshape(N, -1)                      # [N, K/2] bytes
    lo = (q & 0x0F).astype(np.int16)
    hi = (q >> 4).astype(np.int16)
    nib = np.stack([lo, hi], axis=-1).reshape(N, -1)[:, :K]  # low nibble first
    s = scales.reshape(N, -1).astype(np.float32)
    s = np.repeat(s, block, axis=1)[:, :K]
    return ((nib - 8).astype(np.float32) * s)


def onnx_state_dict(path: str) -> dict:
    m = onnx.load(path)
    inits = {i.name: nh.to_array(i) for i in m.graph.initializer}
    sd = {}
    for name, arr in inits.items():
        if name.startswith(("bert.", "classifier.")) and not name.endswith(
                ("_quantized", "_scale", "_zero_point")):
            sd[name] = torch.from_numpy(arr.astype(np.float32).copy())
    for n in m.graph.node:
        if n.op_type == "MatMulNBits":
            at = {a.name: a.i for a in n.attribute}
            assert at["bits"] == 4 and len(n.input) == 3, n.name
            W = dequant_nbits(inits[n.input[1]], inits[n.input[2]], at["K"], at["N"], at["block_size"])
            mod = n.name.strip("/").rsplit("/", 1)[0].replace("/", ".")
            sd[mod + ".weight"] = torch.from_numpy(W)          # torch Linear weight is [out=N, in=K]
        elif n.op_type == "DequantizeLinear":
            base = n.input[1][: -len("_scale")]
            q = inits[base + "_quantized"].astype(np.float32)
            zp = float(inits[n.input[2]]) if len(n.input) > 2 else 0.0
            sd[base] = torch.from_numpy((q - zp) * float(inits[n.input[1]]))
    return sd


def build_model(config_path: str, num_labels: int | None = None, id2label=None):
    from transformers import BertConfig, BertForTokenClassification
    cfg = BertConfig.from_json_file(config_path)
    if id2label is not None:
        cfg.id2label = {i: l for i, l in enumerate(id2label)}
        cfg.label2id = {l: i for i, l in enumerate(id2label)}
        cfg.num_labels = len(id2label)
    cfg._attn_implementation = "eager"
    torch.manual_seed(0)
    return BertForTokenClassification(cfg)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    t0 = time.time()
    torch.set_num_threads(2)
    sd = onnx_state_dict(os.path.join(args.base, "onnx", "model_q4.onnx"))
    model = build_model(os.path.join(args.base, "config.json"))
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]
    print("missing:", missing, "unexpected:", unexpected)
    assert not missing and not unexpected
    model.eval()

    tok = C.tokenizer(args.base)
    sess = C.ort_session(os.path.join(args.base, "onnx", "model_q4.onnx"))
    worst, agree, total = 0.0, 0, 0
    for text in CHECK_TEXTS:
        ids, _, _ = C.encode(tok, text, 512)
        ref = C.run_ort(sess, [ids])[0]
        with torch.no_grad():
            x = torch.tensor([ids])
            got = model(input_ids=x, attention_mask=torch.ones_like(x),
                        token_type_ids=torch.zeros_like(x)).logits[0].numpy()
        worst = max(worst, float(np.abs(got - ref).max()))
        agree += int((got.argmax(-1) == ref.argmax(-1)).sum()); total += len(ids)
    print(f"max |logit diff| vs onnxruntime q4: {worst:.2e}; argmax agreement {agree}/{total}")
    assert worst < 1e-3, "rebuilt model does not match the ONNX file"
    torch.save(model.state_dict(), args.out)
    print(f"saved {args.out} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()

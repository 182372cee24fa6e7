"""Quantize the exported fp32 model to int8 with ONNX Runtime's dynamic quantization.

    python scripts/train/quantize.py --src OUT/anonymist-ner-fp32.onnx --out OUT/anonymist-ner-int8.onnx

Per-channel QInt8 weights for MatMul and Gather (the embedding tables); the classifier
MatMul stays fp32 (it is 384 x 39, a few kB, and it holds the new labels' small logit
margins).

reduce_range: the weights use 7 bits (-64..63). ONNX Runtime multiplies uint8 activations by
int8 weights with AVX2's vpmaddubsw, which saturates a pair of products at 32,767 on CPUs
without VNNI (this machine): with the full 8-bit range the logits then depend on the CPU
(0.46 off on a test sentence against an exact integer product). With 7-bit weights a pair
stays under 255 x 64 x 2 = 32,640, every CPU computes the same integers, and the pure-Rust
backend (which dequantizes the weights and quantizes activations the same way) matches
ONNX Runtime within 1e-3.

Not 4-bit: re-quantizing to MatMulNBits the way the shipped file is quantized
wipes out the new labels (the fine-tune moves weights by less than one 4-bit step).
"""
from __future__ import annotations

import argparse
import os
import time

import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quantize-classifier", action="store_true")
    args = ap.parse_args()
    t0 = time.time()
    m = onnx.load(args.src)
    exclude = [] if args.quantize_classifier else [
        n.name for n in m.graph.node if n.op_type == "MatMul" and "classifier" in n.name]
    print("kept in fp32:", exclude)
    quantize_dynamic(args.src, args.out, per_channel=True, reduce_range=True,
                     weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul", "Gather"], nodes_to_exclude=exclude)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB) in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()

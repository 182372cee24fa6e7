"""Shared helpers for the anonymist NER training pipeline.

Labels, tokenization with character offsets, char-span -> token-label alignment,
BIO decoding back to character spans (mirrors the engine's decoder: special tokens
skipped, subword pieces and whitespace-separated I- tokens merged), and the
canonical label map used for scoring.
"""
from __future__ import annotations

import json
import os
from typing import Iterable, Optional

import numpy as np

NEW_ENTITIES = ["ORGANIZATION", "LOCATION"]
MAX_LEN = 128  # training windows (tokens incl. [CLS]/[SEP])

# The shipped model's labels, ids 0..34 (from its config.json) stay where they are;
# the new labels are appended so old logits keep their indices.
def load_base_config(base_dir: str) -> dict:
    with open(os.path.join(base_dir, "config.json"), encoding="utf-8") as fh:
        return json.load(fh)


def old_labels(base_cfg: dict) -> list[str]:
    return [base_cfg["id2label"][str(i)] for i in range(len(base_cfg["id2label"]))]


def new_labels(base_cfg: dict) -> list[str]:
    labs = old_labels(base_cfg)
    for e in NEW_ENTITIES:
        labs += [f"B-{e}", f"I-{e}"]
    return labs


# label (without BIO prefix) -> canonical label of shared/eval/LABELS.md
CANON = {
    "GIVEN_NAME": "PERSON", "SURNAME": "PERSON", "PERSON": "PERSON", "PER": "PERSON",
    "EMAIL": "EMAIL", "PHONE": "PHONE", "URL": "URL",
    "BUILDING_NUMBER": "LOCATION", "STREET_NAME": "LOCATION", "SECONDARY_ADDRESS": "LOCATION",
    "CITY": "LOCATION", "STATE": "LOCATION", "ZIP_CODE": "LOCATION", "LOCATION": "LOCATION", "LOC": "LOCATION",
    "ORGANIZATION": "ORGANIZATION", "ORG": "ORGANIZATION",
}


def tokenizer(base_dir: str):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(base_dir, "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def encode(tok, text: str, max_len: int = MAX_LEN):
    """[CLS] + tokens + [SEP], truncated to max_len.

    Returns ids, offsets (special tokens get (0, 0)) and word ids (None for specials)."""
    enc = tok.encode(text, add_special_tokens=False)
    ids = enc.ids[: max_len - 2]
    offs = enc.offsets[: max_len - 2]
    words = enc.word_ids[: max_len - 2]
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    return ([cls_id] + list(ids) + [sep_id], [(0, 0)] + [tuple(o) for o in offs] + [(0, 0)],
            [None] + list(words) + [None])


def bio_for(offsets, words, toks):
    """B/I prefixes for the tokens `toks` of one span, in the shipped model's convention:
    every sub-word piece of the span's first (pre-tokenizer) word is B-, later words are I-."""
    first = words[toks[0]]
    return ["B-" if words[i] == first else "I-" for i in toks]


def decode(text: str, offsets, probs: np.ndarray, id2label: list[str], threshold: float = 0.5,
           word_level: bool = False):
    """Token probabilities -> raw spans [(start, end, LABEL)] (no BIO prefix).

    A type change or a non-whitespace gap or a B- token after whitespace starts a new span;
    an I- token of the same type after a whitespace-only gap extends it, and so does any
    token of the same type glued to the previous one (sub-word pieces).
    """
    spans = []
    cur = None
    lab_ids = probs.argmax(-1)
    scores = probs.max(-1)
    if word_level:
        # every sub-word piece takes the label and score of its word's first piece (a piece glued
        # to the previous one, letters/digits on both sides, continues that word)
        lab_ids = lab_ids.copy(); scores = scores.copy()
        first = None
        for i, (s, e) in enumerate(offsets):
            if e <= s:
                first = None
                continue
            if first is not None and s == offsets[i - 1][1] and s > 0 and text[s - 1].isalnum() and text[s].isalnum():
                lab = id2label[int(lab_ids[first])]
                lab_ids[i] = id2label.index("I-" + lab[2:]) if lab != "O" else lab_ids[first]
                scores[i] = scores[first]
            else:
                first = i
    for i, (s, e) in enumerate(offsets):
        if e <= s:
            continue
        lab = id2label[int(lab_ids[i])]
        if lab == "O" or scores[i] < threshold:
            if cur:
                spans.append(tuple(cur)); cur = None
            continue
        typ = lab[2:]
        gap = text[cur[1]:s] if cur else None
        # the shipped model tags every sub-word piece of an entity's first word B-:
        # pieces with no gap at all are one word and always merge
        if cur and cur[2] == typ and (gap == "" or (not lab.startswith("B-") and gap.strip() == "")):
            cur[1] = e
            continue
        if cur:
            spans.append(tuple(cur))
        cur = [s, e, typ]
    if cur:
        spans.append(tuple(cur))
    return spans


def canonical_spans(text: str, spans, merge: bool = True):
    """Map raw labels to canonical ones and merge neighbours of one canonical label that are
    separated by whitespace only (GIVEN_NAME + SURNAME -> one PERSON, CITY + ZIP -> ...)."""
    out = []
    for (s, e, L) in sorted(spans):
        c = CANON.get(L, L)
        if merge and out and out[-1][2] == c and text[out[-1][1]:s].strip() == "" and \
                c in ("PERSON", "LOCATION"):
            out[-1] = (out[-1][0], e, c)
        else:
            out.append((s, e, c))
    return out


def softmax(x, axis=-1):
    x = x - x.max(axis=axis, keepdims=True)
    ex = np.exp(x)
    return ex / ex.sum(axis=axis, keepdims=True)


def read_jsonl(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(l) for l in fh if l.strip()]


def write_jsonl(path, rows: Iterable[dict]):
    with open(path, "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


def ort_session(path: str, threads: int = 2):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    # quantize_dynamic picks one activation scale per tensor, so a padded batch changes every
    # text's logits: such a graph runs one text at a time, as the engine runs it
    with open(path, "rb") as fh:
        sess.per_text = b"DynamicQuantizeLinear" in fh.read()
    return sess


def run_ort(sess, batch_ids: list[list[int]]) -> list[np.ndarray]:
    """Run a session on a batch of id lists (padded); returns per-text logits [len, L]."""
    names = {i.name for i in sess.get_inputs()}
    n = max(len(x) for x in batch_ids)
    ids = np.zeros((len(batch_ids), n), dtype=np.int64)
    mask = np.zeros_like(ids)
    for i, x in enumerate(batch_ids):
        ids[i, : len(x)] = x
        mask[i, : len(x)] = 1
    feed = {"input_ids": ids}
    if "attention_mask" in names:
        feed["attention_mask"] = mask
    if "token_type_ids" in names:
        feed["token_type_ids"] = np.zeros_like(ids)
    out = sess.run(None, feed)[0]
    return [out[i, : len(x)] for i, x in enumerate(batch_ids)]


def predict_spans(sess, tok, texts: list[str], id2label: list[str], batch: int = 32,
                  max_len: int = 512, threshold: float = 0.5, word_level: bool = False):
    """Raw spans for each text (texts longer than max_len tokens are truncated)."""
    if getattr(sess, "per_text", False):
        batch = 1
    encs = [encode(tok, t, max_len) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: len(encs[i][0]))
    res: list[Optional[list]] = [None] * len(texts)
    for k in range(0, len(order), batch):
        idx = order[k: k + batch]
        logits = run_ort(sess, [encs[i][0] for i in idx])
        for i, lg in zip(idx, logits):
            res[i] = decode(texts[i], encs[i][1], softmax(lg), id2label, threshold, word_level)
    return res

#!/usr/bin/env python3
"""Writes a held-out set of names and postal addresses, in the JSONL shape of
../shared/eval (text, spans with start/end in code points and a label), to
check rules that were fixed on presidio_synth_v2 on text they were not tuned
on: another generator (faker, MIT), other templates, eleven locales, letter
blocks, one-line addresses, quoted replies, and all-lower-case chat.

    pip install faker==40.63.0
    python3 scripts/heldout_contacts.py --n 600 --seed 7 > /tmp/heldout.jsonl
    anonymist analyze --jsonl /tmp/heldout.jsonl > /tmp/pred.jsonl
    python3 ../shared/eval/score.py /tmp/heldout.jsonl /tmp/pred.jsonl

Labels: PERSON, STREET_ADDRESS (the whole address, unit, town, region and
postcode included). Nothing here is committed data; the output goes to /tmp.
"""
import argparse
import json
import random

from faker import Faker

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL",
           "pl_PL", "sv_SE", "da_DK", "pt_BR"]

SENTENCES = [
    "Please send the parcel to {addr} before Friday.",
    "Our new office is at {addr}, see you there.",
    "{name} moved to {addr} last year.",
    "Can you update my address to {addr}? Thanks, {name}",
    "The invoice for {name} goes to {addr}.",
    "I talked to {name} yesterday about the delivery.",
    "Meeting with {name} and {name2} at {addr}.",
]


def render(parts):
    """Joins (text, label) pieces; returns the text and its spans."""
    text, spans = "", []
    for piece, label in parts:
        start = len(text)
        text += piece
        if label:
            spans.append({"start": start, "end": len(text), "label": label})
    return text, spans


def record(fake, rng):
    name, name2 = fake.name(), fake.name()
    addr = fake.address()
    shape = rng.choice(["letter", "oneline", "sentence", "quoted"])
    if shape == "letter":
        parts = [(name, "PERSON"), ("\n", None), (addr, "STREET_ADDRESS"),
                 ("\n" + rng.choice(["Phone: ", "Tel. ", ""]) , None)]
    elif shape == "quoted":
        lines = addr.split("\n")
        parts = [("> ", None), (name, "PERSON")]
        for line in lines:
            parts += [("\n> ", None), (line, "STREET_ADDRESS")]
    elif shape == "oneline":
        one = ", ".join(addr.split("\n"))
        parts = [("Ship to: ", None), (name, "PERSON"), (", ", None),
                 (one, "STREET_ADDRESS"), (".", None)]
    else:
        template = rng.choice(SENTENCES)
        one = ", ".join(addr.split("\n"))
        parts, rest = [], template
        while rest:
            idx = [(rest.find(k), k) for k in ("{name}", "{name2}", "{addr}") if k in rest]
            if not idx:
                parts.append((rest, None))
                break
            i, key = min(idx)
            parts.append((rest[:i], None))
            value, label = {"{name}": (name, "PERSON"), "{name2}": (name2, "PERSON"),
                            "{addr}": (one, "STREET_ADDRESS")}[key]
            parts.append((value, label))
            rest = rest[i + len(key):]
    text, spans = render(parts)
    if rng.random() < 0.1:
        text = text.lower()
    return text, spans


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    fakers = {loc: Faker(loc) for loc in LOCALES}
    for loc, f in fakers.items():
        f.seed_instance(args.seed)
    for i in range(args.n):
        loc = LOCALES[i % len(LOCALES)]
        text, spans = record(fakers[loc], rng)
        print(json.dumps({"id": f"heldout-{i:04d}", "locale": loc, "text": text,
                          "spans": spans}, ensure_ascii=False))


if __name__ == "__main__":
    main()

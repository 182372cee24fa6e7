"""Evaluate the shipped model (q4) against the new one (int8, and optionally fp32).

    python scripts/train/evaluate.py --base BASE_DIR --new OUT/anonymist-ner-int8.onnx \
        --new-config OUT/anonymist-ner-config.json --data OUT/data --eval-dir ../shared/eval \
        --out OUT/eval [--extra fp32=OUT/anonymist-ner-fp32.onnx]

Model-only figures (no regex pass), decoded like the engine: argmax per token, threshold 0.5,
special tokens skipped, sub-word pieces merged, then neighbouring pieces of one canonical
label separated by whitespace merged (GIVEN_NAME + SURNAME -> PERSON; address parts and
LOCATION -> LOCATION). Scored with shared/eval/score.py (exact spans unless said otherwise).

  1. test split (held-out BTC tweets + SEC FIN3): PERSON / ORGANIZATION / LOCATION
     (@handles and MISC spans removed from gold, predictions touching them ignored);
  2. presidio_synth_v2.jsonl with label_map.json;
  3. the multilingual faker set: per language PERSON (and ORG, LOC);
  4. old-label drift: for each old label, the new model's spans scored against the shipped
     model's own spans on the synth + multilingual texts (1.0 = no drift);
  5. speed: texts/s on the synth texts, model time only, 2 threads, batch 1 and batch 32
     (length-sorted), both models in the same run, alternating.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import time

import numpy as np

import common as C


def load_scorer(path):
    spec = importlib.util.spec_from_file_location("score", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def canon_preds(texts, raw, ignore=None, keep=None):
    out = []
    for k, (t, sp) in enumerate(zip(texts, raw)):
        cs = C.canonical_spans(t, sp)
        if ignore is not None:
            cs = [s for s in cs if not any(s[0] < b and a < s[1] for a, b in ignore[k])]
        if keep is not None:
            cs = [s for s in cs if s[2] in keep]
        out.append(cs)
    return out


def run_score(S, gold_rows, preds, lmap=None, labels=None):
    gold = []
    for r in gold_rows:
        gold.append({"id": r["id"], "text": r["text"], "case_entity": None,
                     "spans": [(s["start"], s["end"], s["label"]) for s in r["spans"]]})
    pmap = {str(r["id"]): list(p) for r, p in zip(gold_rows, preds)}
    return S.score(gold, pmap, lmap or {}, labels)


def table(res_by_model, labels, metric="exact"):
    lines = ["| label | " + " | ".join(f"{m} P | {m} R | {m} F1" for m in res_by_model) + " | gold |",
             "|---|" + "---|---|---|" * len(res_by_model) + "---:|"]
    for lab in labels:
        cells = []
        gold = 0
        for m, res in res_by_model.items():
            x = res["per_label"].get(lab)
            if x is None:
                cells.append("– | – | –")
                continue
            gold = max(gold, x["gold"])
            e = x[metric]
            cells.append(f"{e['p']:.3f} | {e['r']:.3f} | {e['f1']:.3f}")
        lines.append(f"| {lab} | " + " | ".join(cells) + f" | {gold} |")
    micro = " | ".join(f"{r['micro'][metric]['p']:.3f} | {r['micro'][metric]['r']:.3f} | {r['micro'][metric]['f1']:.3f}"
                       for r in res_by_model.values())
    lines.append(f"| micro | {micro} | {next(iter(res_by_model.values()))['micro']['gold']} |")
    leak = " | ".join(f"leak_recall {r['leak']['leak_recall']:.3f} | char_prec {r['leak']['char_precision'] or 0:.3f} | "
                      for r in res_by_model.values())
    lines.append(f"| leak | {leak} |")
    return "\n".join(lines)


def speed(models, tok, texts, rounds=2):
    encs = [C.encode(tok, t, 512)[0] for t in texts]
    order = sorted(range(len(encs)), key=lambda i: len(encs[i]))
    res = {m: {"batch1": [], "batch32": []} for m in models}
    for _ in range(rounds):
        for m, sess in models.items():
            t0 = time.perf_counter()
            for ids in encs:
                C.run_ort(sess, [ids])
            res[m]["batch1"].append(len(encs) / (time.perf_counter() - t0))
            t0 = time.perf_counter()
            for k in range(0, len(order), 32):
                C.run_ort(sess, [encs[i] for i in order[k:k + 32]])
            res[m]["batch32"].append(len(encs) / (time.perf_counter() - t0))
    return {m: {k: round(max(v), 1) for k, v in r.items()} for m, r in res.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--new-config", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--eval-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--extra", action="append", default=[], help="name=path.onnx (new label set)")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--word-level", action="store_true",
                    help="decode per word: sub-word pieces take their word's first-piece label")
    args = ap.parse_args()
    t0 = time.time()
    os.makedirs(args.out, exist_ok=True)
    S = load_scorer(os.path.join(args.eval_dir, "score.py"))
    lmap = S.load_map(os.path.join(args.eval_dir, "label_map.json"))
    base_cfg = C.load_base_config(args.base)
    old_l = C.old_labels(base_cfg)
    new_cfg = json.load(open(args.new_config))
    new_l = [new_cfg["id2label"][str(i)] for i in range(len(new_cfg["id2label"]))]
    tok = C.tokenizer(args.base)
    models = {"shipped q4": (C.ort_session(os.path.join(args.base, "onnx", "model_q4.onnx")), old_l),
              "new int8": (C.ort_session(args.new), new_l)}
    for e in args.extra:
        name, path = e.split("=", 1)
        models["new " + name] = (C.ort_session(path), new_l)

    report = {}
    md = []

    # 1. test split
    test = C.read_jsonl(os.path.join(args.data, "test.jsonl"))
    keep = {"PERSON", "ORGANIZATION", "LOCATION"}
    texts = [r["text"] for r in test]
    raw = {m: C.predict_spans(s, tok, texts, l, word_level=args.word_level) for m, (s, l) in models.items()}
    for part in ("all", "btc", "sec"):
        rows = [i for i, r in enumerate(test) if part == "all" or r["source"] == part]
        res = {}
        for m in models:
            preds = canon_preds([texts[i] for i in rows], [raw[m][i] for i in rows],
                                [test[i]["ignore"] for i in rows], keep)
            res[m] = run_score(S, [test[i] for i in rows], preds)
        report[f"test_{part}"] = res
        md.append(f"### Test split ({part}: {len(rows)} documents), exact spans\n\n" +
                  table(res, ["PERSON", "ORGANIZATION", "LOCATION"]) + "\n")
        if part == "all":
            md.append("Overlap match (>= 1 shared character, same label):\n\n" +
                      table(res, ["PERSON", "ORGANIZATION", "LOCATION"], "overlap") + "\n")
    # LOCATION counted from the new LOCATION label only (no address parts)
    res = {}
    for m in models:
        preds = [[(s, e, "LOCATION") for s, e, L in sp if L == "LOCATION"] for sp in raw[m]]
        preds = canon_preds(texts, preds, [r["ignore"] for r in test], {"LOCATION"})
        res[m] = run_score(S, test, preds, labels=["LOCATION"])
    report["test_location_label_only"] = res
    md.append("Test split, LOCATION from the new LOCATION label alone (address parts not counted):\n\n" +
              table(res, ["LOCATION"]) + "\n")
    C.write_jsonl(os.path.join(args.out, "test_pred_new.jsonl"),
                  [{"id": r["id"], "spans": [{"start": s, "end": e, "label": l} for s, e, l in sp]}
                   for r, sp in zip(test, canon_preds(texts, raw["new int8"], [r["ignore"] for r in test], keep))])

    # 2. presidio synth
    synth = C.read_jsonl(os.path.join(args.eval_dir, "presidio_synth_v2.jsonl"))
    stexts = [r["text"] for r in synth]
    sraw = {m: C.predict_spans(s, tok, stexts, l, word_level=args.word_level) for m, (s, l) in models.items()}
    res = {}
    for m in models:
        preds = canon_preds(stexts, sraw[m])
        res[m] = run_score(S, synth, preds, lmap)
        C.write_jsonl(os.path.join(args.out, f"synth_pred_{m.replace(' ', '_')}.jsonl"),
                      [{"id": r["id"], "spans": [{"start": s, "end": e, "label": l} for s, e, l in p]}
                       for r, p in zip(synth, preds)])
    report["synth"] = res
    md.append("### presidio_synth_v2.jsonl (model only, label_map.json), exact spans\n\n" +
              table(res, ["PERSON", "EMAIL", "PHONE", "URL", "LOCATION", "ORGANIZATION"]) + "\n")
    md.append("Overlap match:\n\n" +
              table(res, ["PERSON", "EMAIL", "PHONE", "URL", "LOCATION", "ORGANIZATION"], "overlap") + "\n")

    # 3. multilingual
    ml = C.read_jsonl(os.path.join(args.data, "multilingual.jsonl"))
    for r in ml:
        for s in r["spans"]:
            s["label"] = C.CANON.get(s["label"], s["label"])
        # the set is built from name pieces: merge given name + surname into one PERSON span
        sp = sorted(((s["start"], s["end"], s["label"]) for s in r["spans"]))
        r["spans"] = [{"start": a, "end": b, "label": l} for a, b, l in C.canonical_spans(r["text"], sp)]
    mtexts = [r["text"] for r in ml]
    mraw = {m: C.predict_spans(s, tok, mtexts, l, word_level=args.word_level) for m, (s, l) in models.items()}
    langs = sorted({r["lang"] for r in ml})
    rows = ["| lang | " + " | ".join(f"{m} PERSON F1" for m in models) + " | Δ PERSON | " +
            " | ".join(f"{m} ORG F1 | {m} LOC F1" for m in models) + " |",
            "|---|" + "---|" * len(models) + "---|" + "---|---|" * len(models)]
    report["multilingual"] = {}
    for lang in langs + ["all"]:
        idx = [i for i, r in enumerate(ml) if lang == "all" or r["lang"] == lang]
        per = {}
        for m in models:
            preds = canon_preds([mtexts[i] for i in idx], [mraw[m][i] for i in idx])
            per[m] = run_score(S, [ml[i] for i in idx], preds)
        report["multilingual"][lang] = per
        f = lambda m, L: per[m]["per_label"].get(L, {"exact": {"f1": 0.0}})["exact"]["f1"]
        d = f("new int8", "PERSON") - f("shipped q4", "PERSON")
        rows.append(f"| {lang} | " + " | ".join(f"{f(m, 'PERSON'):.3f}" for m in models) + f" | {d:+.3f} | " +
                    " | ".join(f"{f(m, 'ORGANIZATION'):.3f} | {f(m, 'LOCATION'):.3f}" for m in models) + " |")
    md.append(f"### Multilingual faker set ({len(ml)} sentences, {len(ml) // max(1, len(langs))} a language), "
              "exact spans\n\n" + "\n".join(rows) + "\n")

    # 4. old-label drift: new model vs shipped model's own spans, raw labels
    old_types = sorted({l[2:] for l in old_l if l != "O"})
    alltexts = stexts + mtexts
    ref = sraw["shipped q4"] + mraw["shipped q4"]
    res = {}
    for m in models:
        if m == "shipped q4":
            continue
        got = sraw[m] + mraw[m]
        rows_g = [{"id": str(i), "text": t, "spans": [{"start": s, "end": e, "label": L} for s, e, L in ref[i]]}
                  for i, t in enumerate(alltexts)]
        preds = [[s for s in got[i] if s[2] in old_types] for i in range(len(alltexts))]
        res[m] = run_score(S, rows_g, preds)
    report["old_label_agreement"] = res
    present = [t for t in old_types if any(t in r["per_label"] for r in res.values())]
    md.append("### Old labels: new model's spans scored against the shipped model's spans "
              "(synth + multilingual texts; 1.000 = identical)\n\n" + table(res, present) + "\n")

    # 5. speed
    if not args.no_speed:
        sp = speed({m: s for m, (s, _) in models.items()}, tok, stexts)
        report["speed"] = sp
        md.append("### Speed (presidio_synth_v2 texts, model time only, onnxruntime, 2 threads, best of 2)\n\n"
                  "| model | size MB | batch 1 texts/s | batch 32 texts/s |\n|---|---:|---:|---:|\n" +
                  "\n".join(f"| {m} | {os.path.getsize(p) / 1e6:.1f} | {v['batch1']} | {v['batch32']} |"
                            for (m, v), p in zip(sp.items(),
                                                 [os.path.join(args.base, 'onnx', 'model_q4.onnx'), args.new] +
                                                 [e.split('=', 1)[1] for e in args.extra])) + "\n")
    report["seconds"] = round(time.time() - t0, 1)
    json.dump(report, open(os.path.join(args.out, "report.json"), "w"), indent=1)
    open(os.path.join(args.out, "report.md"), "w").write("\n".join(md))
    print("\n".join(md))
    print(f"evaluate: {report['seconds']}s")


if __name__ == "__main__":
    main()

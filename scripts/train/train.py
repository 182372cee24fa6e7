"""Fine-tune the rebuilt model with the new labels, distilling the old ones.

    python scripts/train/train.py --base BASE_DIR --init OUT/base_fp32.pt --data OUT/data/train.pt \
        --out OUT/model_ft.pt

Head: the shipped 35 labels keep their ids; B-/I-ORGANIZATION and B-/I-LOCATION are appended
(new rows initialised small, with a bias below O's so they start silent).
Cost: the machine is 2 shared cores, so the lower --freeze layers (and the embeddings) stay
as shipped: their output is computed once for every training text and cached, and only the
top layers and the head are trained (2 of 6 by default). This also keeps the old labels close
to the shipped model. --freeze 0 fine-tunes everything (about 3x the time).
The training texts are a seeded selection of OUT/data/train.pt (see select()).

Loss per batch = CE(hard labels) + lambda * KL(teacher || student) where
  * hard labels exist for the new labels (gold corpora, faker) and for template names;
  * KL runs at every other token: the shipped model's softmax over its 35 labels against the
    student's softmax over all 39 (the teacher gives the new labels probability 0, so the
    student learns "not ORGANIZATION / LOCATION here" as well as the old labels' shape).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

import common as C
from rebuild import build_model

SEED = 13


def batches(examples, bs, rng):
    """Length-bucketed batches: shuffle, sort within chunks of 50 batches, shuffle batches."""
    idx = list(range(len(examples)))
    rng.shuffle(idx)
    out = []
    chunk = bs * 50
    for k in range(0, len(idx), chunk):
        part = sorted(idx[k:k + chunk], key=lambda i: len(examples[i]["input_ids"]))
        out += [part[j:j + bs] for j in range(0, len(part), bs)]
    rng.shuffle(out)
    return out


# faker's companies are often bare surnames ("Kramer", "Lemaire", "Santos"): teaching those as
# ORGANIZATION teaches "surname = organisation" and costs the names. Only companies that end in
# a legal form or a company word keep their label; the others are left out of the loss.
COMPANY_ENDINGS = ("inc", "group", "plc", "llc", "ltd", "ag", "gmbh", "kg", "kgaa", "ev", "sa", "sarl",
                   "sl", "scoop", "sat", "srl", "spa", "figli", "lda", "filhos", "nv", "bv")


def drop_bare_companies(examples, labels, tok):
    b_org, i_org = labels.index("B-ORGANIZATION"), labels.index("I-ORGANIZATION")
    dropped = 0
    for e in examples:
        if not e["source"].startswith("faker"):
            continue
        h = e["hard"]
        k = 0
        while k < len(h):
            if h[k] == b_org:
                j = k
                while j + 1 < len(h) and h[j + 1] in (b_org, i_org):
                    j += 1
                # the next B- word after a B- piece starts a new span only if it is not glued
                text = "".join(tok.id_to_token(int(t)).lstrip("#") for t in e["input_ids"][k:j + 1])
                text = "".join(c for c in text.lower() if c.isalnum())
                if not text.endswith(COMPANY_ENDINGS):
                    h[k:j + 1] = -100
                    e["kl"][k:j + 1] = 0
                    dropped += 1
                k = j + 1
            else:
                k += 1
    return dropped


def select(examples, n_old, rng, form_per_lang=150, plain_btc=100000, plain_sec=100000):
    """All template sentences and GUM sentences, every BTC / SEC text with an organisation or
    place, a seeded sample of the texts without one, and form_per_lang forms per language."""
    keep, plain = [], {"btc": [], "sec": []}
    forms = {}
    for e in examples:
        has_new = bool((e["hard"] >= n_old).any())
        src = e["source"]
        if src in ("faker-template", "gum"):
            keep.append(e)
        elif src == "faker-form":
            lang = e["id"].split("-")[1]
            if forms.get(lang, 0) < form_per_lang:
                forms[lang] = forms.get(lang, 0) + 1
                keep.append(e)
        elif has_new:
            keep.append(e)
        else:
            plain[src].append(e)
    rng.shuffle(plain["btc"]); rng.shuffle(plain["sec"])
    return keep + plain["btc"][:plain_btc] + plain["sec"][:plain_sec]


NEW_CLASSES = ["O", "B-ORGANIZATION", "I-ORGANIZATION", "B-LOCATION", "I-LOCATION"]


class Branched(torch.nn.Module):
    """The shipped model, untouched, plus a side branch for the new labels.

    The embeddings and encoder layers 0..k-1 are shared; the shipped layers k.. and the
    shipped classifier give the old labels' logits exactly as before; a copy of the
    shipped layers k..k+n-1 (trained) and a 5-way head (O, B-/I-ORGANIZATION,
    B-/I-LOCATION) give the new ones. The two are joined in log-probability space, the
    shipped model first:

        logits = [lo[O] + ln[O], lo[1:], lo[O] + ln[1:]]   lo = log_softmax(old), ln = log_softmax(new)

    i.e. P(old label) = the shipped model's probability, unchanged, and P(new label) =
    P_shipped(O) x P_branch(new label): the branch only shares out the probability the shipped
    model gives to O. Every old label keeps exactly the shipped model's probability, so no name,
    address part or e-mail the shipped model finds can be lost to the new labels (a product
    join, [lo + ln[O], lo[O] + ln[1:]], let an unsure branch pull a name below the 0.5
    threshold: more leaks in the engine, BENCHMARKS "Issue 8, stop 13")."""

    def __init__(self, base, branch_from: int, branch_layers: int):
        super().__init__()
        import copy
        self.bert = base.bert
        self.classifier = base.classifier
        self.branch_from = branch_from
        self.branch = torch.nn.ModuleList(
            copy.deepcopy(base.bert.encoder.layer[branch_from + i]) for i in range(branch_layers))
        hidden = base.classifier.weight.shape[1]
        self.branch_classifier = torch.nn.Linear(hidden, len(NEW_CLASSES))
        self.dropout = torch.nn.Dropout(0.1)

    def branch_logits(self, h, em):
        for layer in self.branch:
            h = layer(h, em)
        return self.branch_classifier(self.dropout(h))

    def forward(self, input_ids, attention_mask, token_type_ids):
        h = self.bert.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        em = (1.0 - attention_mask[:, None, None, :].to(h.dtype)) * torch.finfo(torch.float32).min
        layers = self.bert.encoder.layer
        for layer in layers[:self.branch_from]:
            h = layer(h, em)
        hb = h
        for layer in layers[self.branch_from:]:
            h = layer(h, em)
        return join_logits(self.classifier(h), self.branch_logits(hb, em))


def join_logits(old, new):
    lo = F.log_softmax(old, -1)
    ln = F.log_softmax(new, -1)
    return torch.cat([lo[..., :1] + ln[..., :1], lo[..., 1:], lo[..., :1] + ln[..., 1:]], -1)


def ext_mask(mask):
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


@torch.no_grad()
def cache_lower(model, examples, n_freeze, bs=64):
    """Embeddings + the first n_freeze layers, once per text (eval mode), stored unpadded."""
    model.eval()
    order = sorted(range(len(examples)), key=lambda i: len(examples[i]["input_ids"]))
    for k in range(0, len(order), bs):
        idx = order[k:k + bs]
        n = max(len(examples[i]["input_ids"]) for i in idx)
        ids = torch.zeros(len(idx), n, dtype=torch.long)
        mask = torch.zeros_like(ids)
        for b, i in enumerate(idx):
            L = len(examples[i]["input_ids"])
            ids[b, :L] = torch.from_numpy(examples[i]["input_ids"].astype(np.int64))
            mask[b, :L] = 1
        h = model.bert.embeddings(input_ids=ids, token_type_ids=torch.zeros_like(ids))
        em = ext_mask(mask)
        for layer in model.bert.encoder.layer[:n_freeze]:
            h = layer(h, em)
        for b, i in enumerate(idx):
            examples[i]["h"] = h[b, : len(examples[i]["input_ids"])].clone()


def collate(examples, idx, n_old):
    n = max(len(examples[i]["input_ids"]) for i in idx)
    B = len(idx)
    ids = torch.zeros(B, n, dtype=torch.long)
    hid = torch.zeros(B, n, examples[idx[0]]["h"].shape[-1]) if "h" in examples[idx[0]] else None
    mask = torch.zeros(B, n, dtype=torch.long)
    hard = torch.full((B, n), -100, dtype=torch.long)
    kl = torch.zeros(B, n, dtype=torch.bool)
    teach = torch.zeros(B, n, n_old)
    for b, i in enumerate(idx):
        e = examples[i]
        L = len(e["input_ids"])
        ids[b, :L] = torch.from_numpy(e["input_ids"].astype(np.int64))
        if hid is not None:
            hid[b, :L] = e["h"]
        mask[b, :L] = 1
        hard[b, :L] = torch.from_numpy(e["hard"])
        kl[b, :L] = torch.from_numpy(e["kl"].astype(bool))
        teach[b, :L] = torch.from_numpy(e["teacher"].astype(np.float32))
    return ids, hid, mask, hard, kl, teach


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--init", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-lr", type=float, default=3e-4)
    ap.add_argument("--freeze", type=int, default=4, help="lower encoder layers kept as shipped")
    ap.add_argument("--kl-weight", type=float, default=2.0)
    ap.add_argument("--kl-entity-weight", type=float, default=5.0,
                    help="extra KL weight where the shipped model predicts an old entity (not O)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1 was faster than 2 on the 2 shared cores under load)")
    ap.add_argument("--branch-from", type=int, default=0,
                    help="train a side branch from this layer for the new labels and keep the shipped "
                         "model as it is (0: fine-tune the whole model, the earlier recipe)")
    ap.add_argument("--branch-layers", type=int, default=2)
    ap.add_argument("--sources", default="",
                    help="comma-separated sources to train on (default: all), e.g. btc,sec for a gold-only run")
    ap.add_argument("--repeat-gold", type=int, default=1,
                    help="how many times each BTC / SEC text with an organisation or place is seen per epoch")
    args = ap.parse_args()
    t0 = time.time()
    torch.set_num_threads(args.threads)
    random.seed(SEED); np.random.seed(SEED); torch.manual_seed(SEED)
    rng = random.Random(SEED)

    data = torch.load(args.data, weights_only=False)
    labels, examples = data["labels"], data["examples"]
    base_cfg = C.load_base_config(args.base)
    n_old = len(C.old_labels(base_cfg))
    examples = select(examples, n_old, rng)
    if args.sources:
        wanted = set(args.sources.split(","))
        examples = [e for e in examples if e["source"] in wanted]
    if args.repeat_gold > 1:
        gold = [e for e in examples if e["source"] in ("btc", "sec") and bool((e["hard"] >= n_old).any())]
        examples = examples + gold * (args.repeat_gold - 1)
    n_bare = drop_bare_companies(examples, labels, C.tokenizer(args.base))
    print(f"faker companies without a company ending left out of the loss: {n_bare}", flush=True)
    n_tokens = sum(len(e["input_ids"]) for e in examples)
    src = {}
    for e in examples:
        src[e["source"]] = src.get(e["source"], 0) + 1
    print(f"selected {len(examples)} texts, {n_tokens} tokens: {src}", flush=True)
    assert labels == C.new_labels(base_cfg)

    if args.branch_from:
        model = branched_model(args, C.old_labels(base_cfg))
    else:
        model = full_model(args, labels, n_old)
    t_c = time.time()
    if args.freeze > 0:
        cache_lower(model, examples, args.freeze)
    print(f"cached the lower {args.freeze} layers in {time.time() - t_c:.0f}s", flush=True)
    if args.freeze > 0 and not args.branch_from:  # the cached path must give the full model's logits
        check_cache(model, examples, args.freeze, n_old)
    train_loop(args, model, examples, n_old, labels, rng, src, n_tokens, t0)


def branched_model(args, old_labels):
    """The shipped model (frozen) and a branch started from copies of its layers."""
    base = build_model(os.path.join(args.base, "config.json"), id2label=old_labels)
    missing, unexpected = base.load_state_dict(torch.load(args.init), strict=False)
    assert not [k for k in missing if not k.endswith("position_ids")] and not unexpected, (missing, unexpected)
    model = Branched(base, args.branch_from, args.branch_layers)
    for p in list(model.bert.parameters()) + list(model.classifier.parameters()):
        p.requires_grad_(False)
    with torch.no_grad():
        g = torch.Generator().manual_seed(SEED)
        w = model.branch_classifier.weight
        w.copy_(torch.randn(w.shape, generator=g) * 0.02)
        model.branch_classifier.bias.zero_()
        model.branch_classifier.bias[0] = 2.0  # starts silent: O
    args.freeze = args.branch_from
    return model


def branch_target(hard, kl, n_old):
    """The branch's 5-way target: a new label where one is given, O wherever the token has any
    other hard label or is distilled (the shipped model never predicts the new labels),
    ignored elsewhere (bare faker companies, @handles, MISC)."""
    t = torch.full_like(hard, -100)
    t[(hard >= 0) & (hard < n_old)] = 0
    t[kl & (hard == -100)] = 0
    new = hard >= n_old
    t[new] = hard[new] - n_old + 1
    return t


def full_model(args, labels, n_old):
    model = build_model(os.path.join(args.base, "config.json"), id2label=labels)
    sd = torch.load(args.init)
    w_old, b_old = sd.pop("classifier.weight"), sd.pop("classifier.bias")
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert set(k for k in missing if not k.endswith("position_ids")) == {"classifier.weight", "classifier.bias"}, missing
    with torch.no_grad():
        g = torch.Generator().manual_seed(SEED)
        model.classifier.weight[:n_old] = w_old
        model.classifier.bias[:n_old] = b_old
        model.classifier.weight[n_old:] = torch.randn(len(labels) - n_old, w_old.shape[1], generator=g) * 0.02
        model.classifier.bias[n_old:] = b_old[0] - 2.0
        # LOCATION starts from CITY (a standalone place is the closest old label), just below it
        for bi in ("B-", "I-"):
            model.classifier.weight[labels.index(bi + "LOCATION")] = w_old[labels.index(bi + "CITY")]
            model.classifier.bias[labels.index(bi + "LOCATION")] = b_old[labels.index(bi + "CITY")] - 1.0

    for p in model.bert.embeddings.parameters():
        p.requires_grad_(False)
    for layer in model.bert.encoder.layer[:args.freeze]:
        for p in layer.parameters():
            p.requires_grad_(False)
    return model


@torch.no_grad()
def check_cache(model, examples, n_freeze, n_old):
    """The cached path must give the full model's logits."""
    model.eval()
    ids, hid, mask, *_ = collate(examples, list(range(8)), n_old)
    h = hid
    for layer in model.bert.encoder.layer[n_freeze:]:
        h = layer(h, ext_mask(mask))
    a = model.classifier(h)
    b = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).logits
    diff = float(((a - b).abs() * mask[..., None]).max())
    print(f"cached vs full forward: max |diff| {diff:.2e}", flush=True)
    assert diff < 1e-3


def full_losses(args, logits, hard, kl, teach, n_old):
    """Cross-entropy on hard labels + KL(teacher || student) on the distilled tokens."""
    logp = F.log_softmax(logits.float(), -1)
    hm = hard != -100
    ce = F.nll_loss(logp[hm], hard[hm]) if hm.any() else logits.sum() * 0
    if kl.any():
        t = teach[kl].clamp_min(1e-8)
        t = t / t.sum(-1, keepdim=True)
        # tokens the shipped model calls an entity weigh more: they are few and they
        # are what must not drift (e-mail, phone, address parts, names)
        wt = 1.0 + (args.kl_entity_weight - 1.0) * (t.argmax(-1) != 0).float()
        kld = (wt * (t * (t.log() - logp[kl][:, :n_old])).sum(-1)).mean()
    else:
        kld = logits.sum() * 0
    return ce, kld


def train_loop(args, model, examples, n_old, labels, rng, src, n_tokens, t0):
    steps_per_epoch = math.ceil(len(examples) / args.bs)
    total = int(steps_per_epoch * args.epochs)
    no_decay = ("bias", "LayerNorm.weight")
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    head = ("classifier", "branch_classifier")
    params = [{"params": [p for n, p in named if not n.endswith(no_decay) and not n.startswith(head)],
               "weight_decay": 0.01, "lr": args.lr},
              {"params": [p for n, p in named if n.endswith(no_decay) and not n.startswith(head)],
               "weight_decay": 0.0, "lr": args.lr},
              {"params": [p for n, p in named if n.startswith(head)], "weight_decay": 0.0, "lr": args.head_lr}]
    opt = torch.optim.AdamW(params, lr=args.lr)
    warm = max(1, int(0.06 * total))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))
    print(f"{len(examples)} examples, {total} steps, {len(labels)} labels", flush=True)

    model.train()
    step, seen, log = 0, 0, []
    t_train = time.time()
    epoch = 0
    while step < total:
        for idx in batches(examples, args.bs, rng):
            if step >= total:
                break
            ids, hid, mask, hard, kl, teach = collate(examples, idx, n_old)
            if args.branch_from:
                bl = model.branch_logits(hid, ext_mask(mask))
                ce = F.cross_entropy(bl.reshape(-1, bl.shape[-1]), branch_target(hard, kl, n_old).reshape(-1),
                                     ignore_index=-100)
                kld = ce * 0
                loss = ce
            elif args.freeze > 0:
                em = ext_mask(mask)
                h = hid
                for layer in model.bert.encoder.layer[args.freeze:]:
                    h = layer(h, em)
                logits = model.classifier(model.dropout(h))
            else:
                logits = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).logits
            if not args.branch_from:
                ce, kld = full_losses(args, logits, hard, kl, teach, n_old)
                loss = ce + args.kl_weight * kld
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step(); sched.step()
            step += 1; seen += len(idx)
            if step % 50 == 0 or step == total:
                el = time.time() - t_train
                rec = {"step": step, "epoch": epoch, "ce": round(ce.item(), 4), "kl": round(kld.item(), 4),
                       "lr": sched.get_last_lr()[0], "samples_per_s": round(seen / el, 1),
                       "eta_min": round((total - step) * el / step / 60, 1)}
                log.append(rec)
                print(json.dumps(rec), flush=True)
        epoch += 1
    model.eval()
    torch.save(model.state_dict(), args.out)
    info = {"examples": len(examples), "tokens": n_tokens, "sources": src, "freeze": args.freeze,
            "threads": args.threads, "branch_from": args.branch_from,
            "branch_layers": args.branch_layers if args.branch_from else 0, "sources_arg": args.sources, "repeat_gold": args.repeat_gold, "steps": total, "epochs": args.epochs, "batch": args.bs, "lr": args.lr,
            "head_lr": args.head_lr,
            "kl_weight": args.kl_weight, "kl_entity_weight": args.kl_entity_weight, "train_seconds": round(time.time() - t_train, 1),
            "total_seconds": round(time.time() - t0, 1), "labels": labels}
    json.dump({"info": info, "log": log}, open(os.path.splitext(args.out)[0] + "_trainlog.json", "w"), indent=1)
    print(json.dumps(info))


if __name__ == "__main__":
    main()

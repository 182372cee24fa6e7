#!/usr/bin/env python3
"""Render the CLDR date and date-time formats of six languages into a test
fixture: tests/fixtures/cldr_dates.jsonl.

Each line is one rendered date `X` inside a frame:
  - "prep":  after a preposition (`on X.`, `le X.`, `am X.`, `el X.`, `il X.`, `op X.`)
  - "label": after a neutral label (`Note: X`)
with `start`/`end` the code-point offsets of X in `text`.

The dates are drawn with a fixed seed; formats are CLDR's short, medium,
long and full date formats and date-time formats, in UTC and Europe/Berlin
(so that zone abbreviations and long zone names both appear).

Usage (Babel from PyPI, in a virtual environment outside the repository):
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install Babel
    /tmp/venv/bin/python scripts/render-cldr-dates.py > tests/fixtures/cldr_dates.jsonl

The output is deterministic for a given Babel (CLDR) version, recorded in
each line as `babel`.
"""
import datetime
import json
import random
import sys
from zoneinfo import ZoneInfo

import babel
from babel.dates import format_date, format_datetime

LANGS = ["en", "fr", "de", "es", "it", "nl"]
PREPOSITION = {"en": "on", "fr": "le", "de": "am", "es": "el", "it": "il", "nl": "op"}
FORMATS = ["short", "medium", "long", "full"]
ZONES = ["UTC", "Europe/Berlin"]
SEED = 20240305
DATES_PER_LANG = 10


def seeded_datetimes(rng):
    out = []
    for _ in range(DATES_PER_LANG):
        y = rng.randint(1950, 2035)
        m = rng.randint(1, 12)
        d = rng.randint(1, 28 if m == 2 else 30)
        out.append(
            datetime.datetime(
                y, m, d, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
                tzinfo=datetime.timezone.utc,
            )
        )
    return out


def main():
    rng = random.Random(SEED)
    w = sys.stdout
    for lang in LANGS:
        for i, dt in enumerate(seeded_datetimes(rng)):
            rendered = []
            for f in FORMATS:
                rendered.append(("date", f, None, format_date(dt.date(), f, locale=lang)))
            for f in FORMATS:
                zone = ZONES[i % len(ZONES)]
                rendered.append(
                    ("datetime", f, zone, format_datetime(dt, f, tzinfo=ZoneInfo(zone), locale=lang))
                )
            for kind, f, zone, x in rendered:
                for frame, prefix, suffix in (
                    ("prep", PREPOSITION[lang] + " ", "."),
                    ("label", "Note: ", ""),
                ):
                    text = prefix + x + suffix
                    rec = {
                        "lang": lang,
                        "frame": frame,
                        "kind": kind,
                        "format": f,
                        "zone": zone,
                        "text": text,
                        "start": len(prefix),
                        "end": len(prefix) + len(x),
                        "babel": babel.__version__,
                    }
                    w.write(json.dumps(rec, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

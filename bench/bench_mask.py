"""Benchmark: logyard's masker vs Presidio (regex recognizers, no NLP model), same messages.

Run: .venv/bin/python bench/bench_mask.py [--messages N] [--events N]
(needs ``pip install presidio-analyzer`` for the comparison; without it only logyard runs)

The corpus is built here, labelled by construction: carrier sentences from the simulator's
own traffic (messages, routes, urls, stack traces, with nothing personal in them) into
which one value is injected per message — a positive (card of any issuer and layout, RU
phone in its three spellings, international phone, email, SNILS, INN, passport) or a
look-alike that must stay (UUID, order id, epoch ms, ISO time, 16 digits failing Luhn,
Luhn-valid numbers of no issuer, amounts, wrong-checksum SNILS/INN, version strings).

* recall    — positives whose value the tool flagged (logyard: the value no longer appears
              and the rule fired; Presidio: a result of that type overlaps the value)
* precision — of all messages where the tool fired a type, those where that type was
              injected
* throughput — messages/s over the whole corpus, one core, best of 3 rounds

Presidio runs its CreditCardRecognizer, EmailRecognizer and PhoneRecognizer (regions RU,
US, GB, DE) directly with ``nlp_artifacts=None``: no spaCy model, no AnalyzerEngine
overhead — the fastest regex-only Presidio there is. It has no SNILS, INN or passport
recognizer ("—").

Then the processor path on simulated events, one core: EventCodec decode + mask (with the
PAN HMAC) + encode, against decode + encode without masking.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _machine import describe
from _timing import best_rate
from logyard.catalog import EventCodec, encode_event
from logyard.security.mask import MaskConfig, Masker, is_pan, snils_ok
from logyard.sim import Simulator
from logyard.sim._cards import luhn_check_digit

TYPES = ("card", "email", "phone", "snils", "inn", "passport")
_RULE = {"pan": "card", "email": "card_", "phone": "phone", "snils": "snils", "inn": "inn",
         "passport": "passport"}  # fmt: skip
_RULE["email"] = "email"
_PRESIDIO = {"CREDIT_CARD": "card", "EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone"}
_ISSUERS = [("4", 16), ("4", 13), ("4", 19), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16),
            ("2200", 16), ("2202", 16), ("2204", 19), ("34", 15), ("37", 15), ("6011", 16),
            ("65", 16), ("62", 16), ("62", 19), ("3528", 16), ("3589", 16), ("50", 16),
            ("67", 16)]  # fmt: skip


def _pan(rng: random.Random) -> str:
    prefix, n = rng.choice(_ISSUERS)
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(n - 1 - len(prefix)))
    return body + luhn_check_digit(body)


def _card_text(rng: random.Random, pan: str) -> str:
    style = rng.randrange(4)
    if style == 0:
        return pan
    sep = " " if style < 3 else "-"
    sizes = [4, 6, 5] if len(pan) == 15 else [4, 4, 4, 4, 4]
    out, i = [], 0
    for k in sizes:
        if i < len(pan):
            out.append(pan[i : i + k])
            i += k
    return sep.join(out)


def _snils(rng: random.Random) -> str:
    d = "".join(str(rng.randrange(10)) for _ in range(9))
    total = sum(int(c) * w for c, w in zip(d, range(9, 0, -1), strict=True)) % 101
    check = 0 if total == 100 else total
    return f"{d[:3]}-{d[3:6]}-{d[6:9]} {check:02d}"


def _inn(rng: random.Random) -> str:
    w11, w12 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8), (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    d = "77" + "".join(str(rng.randrange(10)) for _ in range(8))
    d += str(sum(int(c) * w for c, w in zip(d, w11, strict=True)) % 11 % 10)
    return d + str(sum(int(c) * w for c, w in zip(d, w12, strict=True)) % 11 % 10)


def _phone(rng: random.Random) -> str:
    d = rng.choice(("916", "903", "925", "999", "981")) + f"{rng.randrange(10**7):07d}"
    return rng.choice(
        (
            f"+7 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}",
            f"8 {d[:3]} {d[3:6]} {d[6:8]} {d[8:]}",
            f"+7{d}",
            f"+44 20 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}",
            f"+4917{rng.randrange(10**8, 10**9)}",
        )
    )


def _email(rng: random.Random) -> str:
    user = rng.choice(("ivan.petrov", "a.smirnova", "kuznetsov77", "olga_v", "d.sokolov+shop"))
    return f"{user}{rng.randrange(100)}@" + rng.choice(("mail.ru", "yandex.ru", "gmail.com"))


def _positive(rng: random.Random) -> tuple[str, str, str]:
    """(type, value, phrase with the value)."""
    kind = rng.choice(TYPES)
    if kind == "card":
        v = _card_text(rng, _pan(rng))
        return kind, v, rng.choice((f"оплачу картой {v}", f"card {v} declined", f"pan={v}"))
    if kind == "email":
        v = _email(rng)
        return kind, v, rng.choice((f"payer {v}", f"письмо на {v}", f"<{v}>"))
    if kind == "phone":
        v = _phone(rng)
        return kind, v, rng.choice((f"Позвоните: {v}", f"tel {v}", f"перезвоните на {v}"))
    if kind == "snils":
        v = _snils(rng)
        return kind, v, f"СНИЛС {v}"
    if kind == "inn":
        v = _inn(rng)
        return kind, v, f"ИНН {v}"
    v = f"{rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(100000, 999999)}"
    return kind, v, f"паспорт {v}"


def _look_alike(rng: random.Random) -> str:
    k = rng.randrange(10)
    if k == 0:
        return str(uuid.UUID(int=rng.getrandbits(128)))
    if k == 1:
        return f"ORD-{rng.randrange(10**6):06d}"
    if k == 2:  # epoch milliseconds, 2001-2095
        return str(rng.randrange(10**12, 3_944_000_000_000))
    if k == 3:
        t = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**8))
        return t.isoformat().replace("+00:00", "Z")
    if k == 4:  # 16 digits with a card prefix that fail Luhn
        while True:
            v = "4" + "".join(str(rng.randrange(10)) for _ in range(15))
            if not is_pan(v):
                return v
    if k == 5:  # Luhn-valid, no issuer
        body = rng.choice("1789") + "".join(str(rng.randrange(10)) for _ in range(14))
        return body + luhn_check_digit(body)
    if k == 6:
        return f"{rng.randrange(1, 10**7)}.{rng.randrange(100):02d} RUB"
    if k == 7:  # SNILS with a wrong check number
        while True:
            v = f"СНИЛС {rng.randrange(100, 999)}-{rng.randrange(100, 999)}-111 00"
            if not snils_ok(v[6:]):
                return v
    if k == 8:
        return f"v{rng.randrange(1, 9)}.{rng.randrange(20)}.{rng.randrange(100)}"
    return f"trace {uuid.UUID(int=rng.getrandbits(128)).hex}"


def build_corpus(n: int, seed: int = 7) -> list[tuple[str, str | None, str]]:
    """``n`` messages: (text, injected type or None, injected value)."""
    rng = random.Random(seed)
    carriers = []
    for e in Simulator(seed=seed, rate=200.0).events(600):
        for attr in ("message", "url", "route", "error_message", "stack_trace", "condition"):
            v = getattr(e, attr, None)
            if isinstance(v, str) and v and "@" not in v and not any(c.isdigit() for c in v[-0:]):
                carriers.append(v[:300])
    # keep only carriers with no digit run of 7+ and no '@': clean by construction
    carriers = [c for c in carriers if not _has_long_digits(c)]
    carriers = list(dict.fromkeys(carriers)) or ["event"]
    out: list[tuple[str, str | None, str]] = []
    for i in range(n):
        carrier = rng.choice(carriers)
        if i % 3 == 2:
            v = _look_alike(rng)
            out.append((f"{carrier} {v}", None, v))
        else:
            kind, v, phrase = _positive(rng)
            out.append((f"{carrier}; {phrase}", kind, v))
    return out


def _has_long_digits(text: str) -> bool:
    run = 0
    for ch in text:
        run = run + 1 if ch.isdigit() else 0
        if run >= 7:
            return True
    return False


def _presidio() -> tuple[Callable[[str], list[tuple[str, int, int]]], Any, str] | None:
    """Presidio's card, email and phone recognizers: called directly, and through an
    AnalyzerEngine whose NLP engine is a stub (no spaCy model: regex recognizers only)."""
    try:
        import tldextract
        import tldextract.tldextract as tt
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            EmailRecognizer,
            PhoneRecognizer,
        )
    except ImportError:
        return None
    tt.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=())  # offline: bundled list
    recognizers = [
        CreditCardRecognizer(),
        EmailRecognizer(),
        PhoneRecognizer(supported_regions=("RU", "US", "GB", "DE")),
    ]

    def analyze(text: str) -> list[tuple[str, int, int]]:
        found = []
        for r in recognizers:
            for res in r.analyze(text, r.supported_entities, None) or ():
                found.append((res.entity_type, res.start, res.end))
        return found

    class NoNlp(NlpEngine):  # type: ignore[misc]
        """No model: empty artifacts, so only pattern recognizers run."""

        def load(self) -> None: ...
        def is_loaded(self) -> bool:
            return True

        def process_text(self, text: str, language: str) -> Any:
            return NlpArtifacts([], [], [], [], self, language)

        def process_batch(self, texts: Any, language: str, **kw: Any) -> Any:
            return ((t, self.process_text(t, language)) for t in texts)

        def is_stopword(self, word: str, language: str) -> bool:
            return False

        def is_punct(self, word: str, language: str) -> bool:
            return False

        def get_supported_entities(self) -> list[str]:
            return []

        def get_supported_languages(self) -> list[str]:
            return ["en"]

    registry = RecognizerRegistry(recognizers=recognizers)
    engine = AnalyzerEngine(registry=registry, nlp_engine=NoNlp(), supported_languages=["en"])

    def via_engine(text: str) -> Any:
        return engine.analyze(text, language="en")

    return analyze, via_engine, f"presidio-analyzer {version('presidio-analyzer')}"


def _score(
    corpus: list[tuple[str, str | None, str]], fired: list[set[str]], hit: list[bool]
) -> dict[str, tuple[float, float, int]]:
    """Per type: (precision, recall, positives)."""
    out = {}
    for t in TYPES:
        pos = [i for i, (_, k, _) in enumerate(corpus) if k == t]
        tp = sum(1 for i in pos if hit[i] and t in fired[i])
        flagged = sum(1 for f in fired if t in f)
        true_flags = sum(1 for i, f in enumerate(fired) if t in f and corpus[i][1] == t)
        precision = true_flags / flagged if flagged else float("nan")
        out[t] = (precision, tp / len(pos) if pos else float("nan"), len(pos))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=6000)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    print(f"machine: {describe()}")
    try:
        logyard_version = version("logyard")
    except PackageNotFoundError:
        logyard_version = "source"
    corpus = build_corpus(args.messages)
    n_pos = sum(1 for _, k, _ in corpus if k)
    print(f"corpus: {len(corpus):,} messages ({n_pos:,} with one injected value, "
          f"{len(corpus) - n_pos:,} with a look-alike that must stay)")  # fmt: skip

    masker = Masker(MaskConfig(pan_hmac_key=b"bench-key-0123456789abcdef"))
    texts = [t for t, _, _ in corpus]
    results = [masker.mask_text(t) for t in texts]
    ly_fired = [{_RULE.get(r, r) for r in rules} for _, rules in results]
    ly_hit = [v not in out for (out, _), (_, _, v) in zip(results, corpus, strict=True)]
    ly_rate = best_rate(lambda: [masker.mask_text(t) for t in texts], len(texts))
    ly = _score(corpus, ly_fired, ly_hit)
    # look-alikes: any change to the look-alike value is a false mask
    ly_false = sum(1 for (out, _), (_, k, v) in zip(results, corpus, strict=True)
                   if k is None and v not in out)  # fmt: skip

    pr = _presidio()
    rows = []
    if pr is not None:
        analyze, via_engine, pr_version = pr
        found = [analyze(t) for t in texts]
        pr_fired = [{_PRESIDIO[e] for e, _, _ in f if e in _PRESIDIO} for f in found]
        pr_hit = []
        for f, (text, k, v) in zip(found, corpus, strict=True):
            start = text.rfind(v)
            end = start + len(v)
            pr_hit.append(any(_PRESIDIO.get(e) == k and s < end and e2 > start
                              for e, s, e2 in f))  # fmt: skip
        sample = texts[: min(len(texts), 2000)]
        pr_rate = best_rate(lambda: [analyze(t) for t in sample], len(sample), rounds=2)
        pr_engine_rate = best_rate(lambda: [via_engine(t) for t in sample], len(sample), 1)
        psc = _score(corpus, pr_fired, pr_hit)
        pr_false = sum(1 for f, (_, k, _) in zip(pr_fired, corpus, strict=True) if k is None and f)
    else:
        pr_version, pr_rate, psc, pr_false = "presidio-analyzer not installed", 0.0, {}, 0
        pr_engine_rate = 0.0
    print(f"versions: logyard {logyard_version} (masker), {pr_version}")
    print()
    print(f"{'entity':10s} {'n':>5s} | {'logyard P':>9s} {'R':>6s} | {'presidio P':>10s} {'R':>6s}")
    print("-" * 56)
    for t in TYPES:
        p, r, n = ly[t]
        if t in psc and t in ("card", "email", "phone"):
            pp, rr, _ = psc[t]
            rows.append(f"{t:10s} {n:5d} | {p:9.3f} {r:6.3f} | {pp:10.3f} {rr:6.3f}")
        else:
            rows.append(f"{t:10s} {n:5d} | {p:9.3f} {r:6.3f} | {'—':>10s} {'—':>6s}")
    print("\n".join(rows))
    print("-" * 56)
    n_neg = len(corpus) - n_pos
    print(f"look-alikes masked (must be 0): logyard {ly_false}/{n_neg}, "
          f"presidio flagged {pr_false}/{n_neg}")  # fmt: skip
    print("throughput on this corpus (every message holds a candidate: the worst case):")
    print(f"  logyard                       {ly_rate:9,.0f} msg/s  {1e6 / ly_rate:7.1f} µs/msg")
    if pr_rate:
        print(f"  presidio recognizers direct   {pr_rate:9,.0f} msg/s  {1e6 / pr_rate:7.1f} µs/msg"
              f"  → logyard {ly_rate / pr_rate:,.0f}×")  # fmt: skip
        print(
            f"  presidio AnalyzerEngine       {pr_engine_rate:9,.0f} msg/s  "
            f"{1e6 / pr_engine_rate:7.1f} µs/msg  → logyard {ly_rate / pr_engine_rate:,.0f}×"
        )

    # Real traffic: every free-text field of a simulated hour, as the systems wrote it.
    real = []
    for e in Simulator(seed=11, rate=100.0).events(3600):
        for attr in ("message", "url", "referrer", "route", "error_message", "stack_trace",
                     "comment", "condition"):  # fmt: skip
            v = getattr(e, attr, None)
            if isinstance(v, str) and v:
                real.append(v)
    hits = sum(1 for t in real if masker.mask_text(t)[1])
    real_rate = best_rate(lambda: [masker.mask_text(t) for t in real], len(real))
    print(f"throughput on simulated free text ({len(real):,} strings, {hits:,} with something "
          f"to mask):")  # fmt: skip
    print(f"  logyard                       {real_rate:9,.0f} msg/s  {1e6 / real_rate:7.1f} µs/msg")
    if pr_rate:
        sample = real[:3000]
        p_real = best_rate(lambda: [analyze(t) for t in sample], len(sample), rounds=2)
        p_eng = best_rate(lambda: [via_engine(t) for t in sample], len(sample), rounds=1)
        print(f"  presidio recognizers direct   {p_real:9,.0f} msg/s  {1e6 / p_real:7.1f} µs/msg"
              f"  → logyard {real_rate / p_real:,.0f}×")  # fmt: skip
        print(f"  presidio AnalyzerEngine       {p_eng:9,.0f} msg/s  {1e6 / p_eng:7.1f} µs/msg"
              f"  → logyard {real_rate / p_eng:,.0f}×")  # fmt: skip

    # --- the processor path ------------------------------------------------------------------
    print()
    t0 = time.perf_counter()
    events = list(Simulator(seed=1, rate=2000.0).events(args.events / 2000.0))[: args.events]
    raws = [encode_event(e) for e in events]
    print(f"processor path: {len(raws):,} simulated events ({time.perf_counter() - t0:.1f}s)")
    codec = EventCodec(now=lambda: datetime(2100, 1, 1, tzinfo=UTC))

    def plain() -> None:
        for r in raws:
            encode_event(codec.decode(r))

    def masked() -> None:
        m = Masker(MaskConfig(pan_hmac_key=b"bench-key-0123456789abcdef"))
        for r in raws:
            encode_event(m(codec.decode(r)))

    base = best_rate(plain, len(raws))
    with_mask = best_rate(masked, len(raws))
    print(f"  decode + encode          {base:10,.0f} events/s")
    print(f"  decode + mask + encode   {with_mask:10,.0f} events/s "
          f"(mask adds {1e6 / with_mask - 1e6 / base:.2f} µs/event)")  # fmt: skip


if __name__ == "__main__":
    main()

"""Write support_intents.csv (text,label,split) from the hand-written base utterances, deterministically.

    python data/samples/build_support_intents.py   # rewrites support_intents.csv and support_scenario.json

Per intent the base utterances are shuffled (seeded) and split 60 / 15 / 25 % into train / val / test (at least
2 val and 3 test bases each). Noisy variants — lower case, dropped punctuation, a typo, text-speak, a greeting or
sign-off — are made of randomly chosen bases until the intent reaches its target row count (``TARGETS``: a few
big intents, several under 3%); every variant takes its base's split, so no base leaks across splits. Texts are
deduplicated on the loader's key (stripped, lower-cased) across the whole file, first kept.
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from support_utterances import BASES  # noqa: E402

SEED = 17
SPLIT = (0.60, 0.15, 0.25)
TARGETS = {
    "playback_problem": 260,
    "billing_charge_question": 215,
    "login_problem": 190,
    "cancel_subscription": 120,
    "change_plan": 90,
    "device_setup": 85,
    "refund_request": 75,
    "update_payment_method": 65,
    "content_availability": 60,
    "subtitles_audio": 45,
    "account_locked": 40,
    "download_offline": 38,
    "profile_management": 35,
    "fraud_report": 34,
    "gift_card_promo": 32,
    "human_agent": 30,
    "app_feedback": 24,
    "parental_controls": 20,
    "data_privacy_request": 20,
    "change_email": 18,
}
PREFIXES = (
    "hi ",
    "hello, ",
    "hey ",
    "hi there, ",
    "good evening, ",
    "um ",
    "urgent: ",
    "quick question - ",
    "help ",
    "hello reelio ",
    "hiya ",
    "ok so ",
    "hola, ",
    "sorry to bother, ",
    "morning. ",
)
SUFFIXES = (
    " thanks",
    " thx",
    " pls",
    " asap",
    "??",
    "!!",
    " please help",
    " ty",
    " cheers",
    " :(",
    " merci",
    " gracias",
    "...",
    " thank you so much",
    " 🙏",
)
SPEAK = {
    "you": "u",
    "your": "ur",
    "please": "pls",
    "thanks": "thx",
    "are": "r",
    "i'm": "im",
    "don't": "dont",
    "can't": "cant",
    "won't": "wont",
    "doesn't": "doesnt",
    "because": "bc",
    "tonight": "tonite",
    "what's": "whats",
    "it's": "its",
    "okay": "ok",
    "really": "rly",
    "before": "b4",
}
NEIGHBOURS = dict(zip("qwertyuiopasdfghjklzxcvbnm", "wqrtyuoipsadfghjklzxcvbnmn"))


def lines(block: str) -> list[str]:
    return [x.strip() for x in block.strip().splitlines() if x.strip()]


def typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not idx:
        return text
    i = rng.choice(idx)
    w, j = words[i], rng.randrange(1, len(words[i]) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif kind == 1:
        w = w[:j] + w[j + 1 :]
    elif kind == 2:
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j] + NEIGHBOURS.get(w[j].lower(), w[j]) + w[j + 1 :]
    words[i] = w
    return " ".join(words)


def speak(text: str) -> str:
    return " ".join(SPEAK.get(w.lower(), w) for w in text.split(" "))


def variant(text: str, rng: random.Random) -> str:
    """One noisy copy: lower case most of the time, plus one to three of the other edits."""
    out = text.lower() if rng.random() < 0.65 else text
    ops = rng.sample(("punct", "typo", "speak", "prefix", "suffix", "typo2"), rng.randint(1, 3))
    for op in ops:
        if op == "punct":
            out = re.sub(r"[?!.,'\"]", "", out)
        elif op in ("typo", "typo2"):
            out = typo(out, rng)
        elif op == "speak":
            out = speak(out)
        elif op == "prefix":
            out = rng.choice(PREFIXES) + out
        else:
            out = out.rstrip(".") + rng.choice(SUFFIXES)
    if len(out) < 40 and rng.random() < 0.05:
        out = out.upper()
    return " ".join(out.split())


def build(seed: int = SEED) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    seen: set[str] = set()
    rows: list[tuple[str, str, str]] = []

    def add(text: str, label: str, split: str) -> bool:
        key = text.strip().lower()
        if key in seen:
            return False
        seen.add(key)
        rows.append((text, label, split))
        return True

    for label, block in BASES.items():
        bases = lines(block)
        rng.shuffle(bases)
        n = len(bases)
        n_test = max(3, round(SPLIT[2] * n))
        n_val = max(2, round(SPLIT[1] * n))
        splits = ["test"] * n_test + ["val"] * n_val + ["train"] * (n - n_test - n_val)
        kept = [(b, s) for b, s in zip(bases, splits) if add(b, label, s)]
        need, tries = TARGETS[label] - len(kept), 0
        while need > 0 and tries < 50 * TARGETS[label]:
            tries += 1
            base, split = rng.choice(kept)
            if add(variant(base, rng), label, split):
                need -= 1
    rng.shuffle(rows)
    return rows


CRITICAL = ("fraud_report", "account_locked", "cancel_subscription", "data_privacy_request")
SPECIALIST = ("fraud_report", "account_locked", "data_privacy_request")  # queues staffed by specialists
NEAR = (  # pairs one agent can settle in the same conversation: half a harm unit
    ("billing_charge_question", "refund_request"),
    ("billing_charge_question", "update_payment_method"),
    ("billing_charge_question", "change_plan"),
    ("login_problem", "change_email"),
    ("profile_management", "parental_controls"),
    ("playback_problem", "device_setup"),
    ("playback_problem", "subtitles_audio"),
    ("download_offline", "playback_problem"),
)


def scenario() -> dict:
    """The help desk's scenario: its intents, critical set, harm matrix and prices (assumed, see README.md)."""
    intents = list(TARGETS)
    near = {frozenset(p) for p in NEAR}

    def harm(t: str, p: str) -> float:
        if t == p:
            return 0.0
        if p in SPECIALIST:
            return 2.0
        return 0.5 if frozenset((t, p)) in near else 1.0

    model = dict(ops_usd_per_month=500.0, price_source="assumed", latency_source="assumed")
    return {
        "name": "reelio-help-desk",
        "notes": (
            "Reelio help desk (data/samples/README.md): assumed prices, not measured. A misroute costs an agent "
            "transfer ($0.60 per harm unit: ~2 minutes at $18/hour); a misroute into a specialist queue (fraud, "
            "locked accounts, privacy) 2 units; between intents one agent settles together 0.5. A critical "
            "misroute (a fraud report, a locked account, a cancellation or a privacy request that reaches the "
            "wrong queue) $12: chargebacks, churn, complaints and legal deadlines."
        ),
        "intents": intents,
        "critical_intents": list(CRITICAL),
        "requests_per_month": 250000,
        "usd_per_harm_unit": 0.6,
        "usd_per_critical_event": 12.0,
        "days_per_month": 30.4,
        "harm_matrix": [[harm(t, p) for p in intents] for t in intents],
        "teacher": dict(usd_per_10k_requests=38.0, p95_latency_ms=12.0, **model),
        "student": dict(usd_per_10k_requests=16.0, p95_latency_ms=5.0, **model),
    }


def main() -> None:
    text = json.dumps(scenario(), indent=1)
    text = re.sub(r"\[\s+([-0-9.,\s]+?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    (HERE / "support_scenario.json").write_text(text + "\n", encoding="utf-8")
    rows = build()
    with open(HERE / "support_intents.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(("text", "label", "split"))
        w.writerows(rows)
    print(f"{len(rows)} rows written to {HERE / 'support_intents.csv'}")


if __name__ == "__main__":
    main()

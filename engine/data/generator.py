"""A deterministic MangaAssist intent data set (seeded; 55K rows in a few seconds).

Ten intents with the seed's priors and segments. Depth is rewarded, not
memorisation: besides plain paraphrases with real manga titles, volume numbers
and order ids,

* **mixed intents** — "I want to return volume 1, but where is my order right
  now?" (seed 002 §3): the clause after *but* / *actually* is what the user
  wants now, so the label is its intent, not the first one mentioned; after
  *and also* / *plus* the first clause stays the ask — word order and the
  connective decide, which a bag of words cannot;
* **negation** — "not a refund, just where is it": the negated intent is not
  the label;
* **longer messages** with chit-chat padding around the request;
* **typos** (character swaps and drops) and a small rate of **label noise**.

The split is stratified 44,000 / 5,500 / 5,500 by default (seed 001).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from engine.data.seed import INTENTS, PRIORS, SEGMENTS

TITLES = ("One Piece", "Naruto", "Demon Slayer", "Attack on Titan", "Jujutsu Kaisen", "Chainsaw Man",
          "My Hero Academia", "Spy x Family", "Berserk", "Vagabond", "Nana", "Fullmetal Alchemist", "Death Note",
          "Bleach", "Haikyu!!", "Vinland Saga", "Tokyo Ghoul", "Blue Lock", "Frieren", "Dandadan", "Oshi no Ko",
          "Mob Psycho 100", "One Punch Man", "Hunter x Hunter", "Dragon Ball", "Sailor Moon", "Slam Dunk", "Monster",
          "20th Century Boys", "Akira", "Kaguya-sama", "Blue Period", "Dorohedoro", "Made in Abyss")
GENRES = ("isekai", "shonen", "seinen", "shojo", "romance", "horror", "sports", "slice of life", "mecha", "fantasy")

TEMPLATES = {
    "order_tracking": ("where is my order {oid}", "has my {title} order shipped yet", "track order {oid}",
                       "when will volume {vol} of {title} arrive", "my package still hasn't come",
                       "can you tell me the delivery status of my order", "is order {oid} out for delivery",
                       "it's been a week, where is my {title} box set", "what's the tracking number for my order"),
    "product_question": ("is {title} volume {vol} in hardcover", "how many pages is {title} vol {vol}",
                         "does the {title} box set include volume {vol}", "is {title} available in english",
                         "what size is the {title} deluxe edition", "is {title} vol {vol} the uncensored version",
                         "do you have {title} in stock", "is the {title} omnibus printed in color"),
    "product_discovery": ("any new {genre} manga this month", "what {genre} series just came out",
                          "show me new releases", "what's trending in {genre} right now",
                          "list the latest {genre} volumes", "which manga came out this week",
                          "what new series do you have like {title}"),
    "recommendation": ("recommend something like {title}", "i loved {title}, what should i read next",
                       "suggest a {genre} manga for a beginner", "what's a good gift for a {title} fan",
                       "give me something darker than {title}", "i need a {genre} series to binge"),
    "faq": ("what is your shipping policy", "do you ship internationally", "how long does shipping take",
            "what payment methods do you accept", "do you have a loyalty program", "what are your store hours",
            "how do gift cards work", "do you offer student discounts"),
    "return_request": ("i want to return volume {vol} of {title}", "how do i return a damaged book",
                       "{title} vol {vol} arrived torn, i want a refund", "i'd like to send back order {oid}",
                       "can i return {title} if i haven't opened it", "start a return for my last order",
                       "refund me for the wrong volume you sent"),
    "chitchat": ("hi there", "thanks so much", "you're a great bot", "lol ok", "good morning",
                 "who is your favorite {title} character", "haha nice", "have a good day"),
    "checkout_help": ("my card keeps getting declined", "the promo code doesn't work at checkout",
                      "i can't complete my purchase", "checkout page is stuck loading",
                      "how do i apply a gift card at checkout", "paypal fails when i pay for {title}",
                      "the cart won't let me add volume {vol}"),
    "escalation": ("i need to talk to a human", "this is the third time, get me a manager",
                   "your bot is useless, connect me to support", "i want to file a complaint",
                   "let me speak to a real person now", "escalate this please, nobody is helping"),
    "account_security": ("someone logged into my account", "i didn't make this purchase on my account",
                         "reset my password, i think i was hacked", "i got a login code i didn't request",
                         "my email was changed without my permission", "lock my account please"),
}
NEGATED = {  # "not a refund, just where is it" — the negated intent is not the label
    "return_request": ("i don't want a refund", "not a return", "no need to return anything"),
    "order_tracking": ("i'm not asking where my order is", "not about shipping status"),
    "escalation": ("no need for a human", "don't transfer me"),
    "checkout_help": ("checkout worked fine", "payment went through"),
    "recommendation": ("i don't need recommendations", "not looking for suggestions"),
}
FILLER = ("hey", "so", "um", "quick question", "sorry to bother you", "ok so", "hello", "i was wondering")
CONNECTIVES = ("but", "actually", "anyway", "though really")
ADDITIVES = ("and maybe", "and also", "plus")


def _fill(rng: np.random.Generator, template: str) -> str:
    return template.format(title=TITLES[rng.integers(len(TITLES))], vol=int(rng.integers(1, 40)),
                           oid=f"#{int(rng.integers(100000, 999999))}", genre=GENRES[rng.integers(len(GENRES))])


def _typo(rng: np.random.Generator, text: str) -> str:
    if len(text) < 6:
        return text
    i = int(rng.integers(1, len(text) - 2))
    if rng.random() < 0.5:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    return text[:i] + text[i + 1:]


def _message(rng: np.random.Generator, intent: str, p_mixed: float, p_neg: float, p_long: float) -> str:
    core = _fill(rng, TEMPLATES[intent][rng.integers(len(TEMPLATES[intent]))])
    u = rng.random()
    if u < p_mixed:  # two intents in one message: the connective decides which one is the ask
        other = INTENTS[rng.integers(len(INTENTS))]
        if other != intent and other != "chitchat":
            second = _fill(rng, TEMPLATES[other][rng.integers(len(TEMPLATES[other]))])
            if rng.random() < 0.6:  # "X, but Y": Y is what the user wants now
                core = f"{second}, {CONNECTIVES[rng.integers(len(CONNECTIVES))]} {core}"
            else:                   # "X, and also Y later": X stays the ask
                core = f"{core}, {ADDITIVES[rng.integers(len(ADDITIVES))]} {second} later"
    elif u < p_mixed + p_neg:
        others = [k for k in NEGATED if k != intent]
        neg = others[rng.integers(len(others))]
        core = f"{NEGATED[neg][rng.integers(len(NEGATED[neg]))]}, just {core}"
    if rng.random() < p_long:
        core = f"{FILLER[rng.integers(len(FILLER))]}, {core}. {_fill(rng, TEMPLATES['chitchat'][rng.integers(8)])}"
    if rng.random() < 0.15:
        core = _typo(rng, core)
    return core


def generate(n: int = 55_000, seed: int = 0, *, p_mixed: float = 0.35, p_neg: float = 0.12, p_long: float = 0.25,
             label_noise: float = 0.03, split: tuple[int, int, int] | None = None) -> pd.DataFrame:
    """Rows with text, intent, segment and split (train/val/test), deterministic for (n, seed)."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(len(INTENTS), size=n, p=np.asarray(PRIORS) / sum(PRIORS))
    texts = [_message(rng, INTENTS[y], p_mixed, p_neg, p_long) for y in labels]
    noisy = rng.random(n) < label_noise
    labels = np.where(noisy, rng.integers(0, len(INTENTS), n), labels)
    seg = rng.choice(list(SEGMENTS), size=n, p=list(SEGMENTS.values()))
    df = pd.DataFrame({"text": texts, "intent": np.array(INTENTS)[labels], "segment": seg})
    return assign_split(df, "intent", split or _default_split(n), seed)


def _default_split(n: int) -> tuple[int, int, int]:
    val = test = round(n * 0.1)
    return n - val - test, val, test


def assign_split(df: pd.DataFrame, label_col: str, sizes: tuple[int, int, int], seed: int) -> pd.DataFrame:
    """Stratified train/val/test split with exact sizes (largest-remainder per class)."""
    rng = np.random.default_rng(seed + 1)
    n = len(df)
    out = np.empty(n, dtype=object)
    fracs = np.asarray(sizes, float) / n
    order = rng.permutation(n)
    labels = df[label_col].to_numpy()[order]
    assigned = {"train": 0, "val": 0, "test": 0}
    for cls in pd.unique(labels):
        idx = order[labels == cls]
        k_val, k_test = int(round(len(idx) * fracs[1])), int(round(len(idx) * fracs[2]))
        out[idx[:k_val]], out[idx[k_val:k_val + k_test]], out[idx[k_val + k_test:]] = "val", "test", "train"
        assigned["val"] += k_val
        assigned["test"] += k_test
    # exact totals: move the last few rows between splits if rounding drifted
    for name, target in (("val", sizes[1]), ("test", sizes[2])):
        have = np.nonzero(out == name)[0]
        if len(have) > target:
            out[have[target:]] = "train"
        elif len(have) < target:
            spare = np.nonzero(out == "train")[0]
            out[rng.choice(spare, target - len(have), replace=False)] = name
    return df.assign(split=out)

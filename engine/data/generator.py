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
    "return_request": ("i don't want a refund", "not a return", "no need to return anything",
                       "i'm not sending anything back"),
    "order_tracking": ("i'm not asking where my order is", "not about shipping status", "my order already arrived"),
    "escalation": ("no need for a human", "don't transfer me", "no need for a manager"),
    "checkout_help": ("checkout worked fine", "payment went through", "not a checkout problem"),
    "recommendation": ("i don't need recommendations", "not looking for suggestions"),
    "account_security": ("my account is fine", "not a password problem"),
    "product_question": ("i'm not asking about the edition", "not a question about the book itself"),
}
# Genuinely ambiguous requests: annotators split on them, so the label is drawn from the weights
# below and no model can be sure (this, with label noise, is what keeps a teacher near 90-94%).
AMBIGUOUS = (
    ("volume {vol} of {title} arrived damaged again", {"return_request": 0.6, "escalation": 0.4}),
    ("this is the second {title} order that came wrong", {"return_request": 0.5, "escalation": 0.3,
                                                            "order_tracking": 0.2}),
    ("i was charged twice for {title} vol {vol}", {"checkout_help": 0.6, "account_security": 0.4}),
    ("there's a purchase for {title} i don't recognise", {"account_security": 0.6, "checkout_help": 0.4}),
    ("what's your return policy on {title}", {"faq": 0.6, "return_request": 0.4}),
    ("can i still return something after 30 days", {"faq": 0.5, "return_request": 0.5}),
    ("is {title} volume {vol} out yet", {"product_question": 0.5, "product_discovery": 0.3,
                                         "order_tracking": 0.2}),
    ("anything new like {title}", {"recommendation": 0.55, "product_discovery": 0.45}),
    ("what's good in {genre} right now", {"product_discovery": 0.5, "recommendation": 0.5}),
    ("order {oid} never came and i'm done waiting", {"order_tracking": 0.5, "escalation": 0.5}),
    ("i can't log in to see my order", {"account_security": 0.5, "order_tracking": 0.3, "checkout_help": 0.2}),
    ("how do i cancel order {oid}", {"return_request": 0.4, "order_tracking": 0.3, "checkout_help": 0.3}),
    ("is there a discount on the {title} box set", {"product_question": 0.5, "faq": 0.3, "checkout_help": 0.2}),
    ("cool, what else have you got", {"chitchat": 0.4, "product_discovery": 0.6}),
    ("does {title} come with the bonus postcard", {"product_question": 0.7, "faq": 0.3}),
    ("the {title} preorder still says processing", {"order_tracking": 0.6, "checkout_help": 0.4}),
)
FILLER = ("hey", "so", "um", "quick question", "sorry to bother you", "ok so", "hello", "i was wondering")
CONNECTIVES = ("but", "actually", "anyway", "though really")
ADDITIVES = ("and maybe", "and also", "plus")
RETRACTIONS = ("never mind that", "forget that", "scratch that")
CONTEXTS = ("earlier i asked {q} and that's sorted", "last week you helped me with {q}",
            "my friend said {q} was easy")


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


def _clause(rng: np.random.Generator, intent: str) -> str:
    return _fill(rng, TEMPLATES[intent][rng.integers(len(TEMPLATES[intent]))])


def _other(rng: np.random.Generator, intent: str) -> str:
    options = [k for k in INTENTS if k not in (intent, "chitchat")]
    return options[rng.integers(len(options))]


def _mixed(rng: np.random.Generator, intent: str, core: str) -> str:
    """Two or three intents in one message; the structure decides which one is the ask."""
    second = _clause(rng, _other(rng, intent))
    form = rng.random()
    if form < 0.35:    # "X, but Y": Y is what the user wants now
        return f"{second}, {CONNECTIVES[rng.integers(len(CONNECTIVES))]} {core}"
    if form < 0.55:    # "X, and also Y later": X stays the ask
        return f"{core}, {ADDITIVES[rng.integers(len(ADDITIVES))]} {second} later"
    if form < 0.70:    # "X. never mind that, Y": the retraction drops X
        return f"{second}. {RETRACTIONS[rng.integers(len(RETRACTIONS))]}, {core}"
    if form < 0.85:    # context that was already handled, then the ask
        q = CONTEXTS[rng.integers(len(CONTEXTS))].format(q=f"'{second}'")
        return f"{q}; now {core}"
    third = _clause(rng, _other(rng, intent))  # "X, but Y, and also Z later": Y
    return f"{second}, {CONNECTIVES[rng.integers(len(CONNECTIVES))]} {core}, " \
           f"{ADDITIVES[rng.integers(len(ADDITIVES))]} {third} later"


def _negated(rng: np.random.Generator, intent: str, core: str) -> str:
    others = [k for k in NEGATED if k != intent]
    neg = NEGATED[others[rng.integers(len(others))]]
    phrase = neg[rng.integers(len(neg))]
    return f"{phrase}, just {core}" if rng.random() < 0.6 else f"{core} — {phrase}"


def _ambiguous(rng: np.random.Generator, intent: str) -> str | None:
    """An ambiguous request that this intent is one reading of (picked by its weight), or None."""
    options = [(t, w[intent]) for t, w in AMBIGUOUS if intent in w]
    if not options:
        return None
    weights = np.array([w for _, w in options])
    return _fill(rng, options[rng.choice(len(options), p=weights / weights.sum())][0])


def _message(rng: np.random.Generator, intent: str, p_mixed: float, p_neg: float, p_long: float,
             p_ambiguous: float) -> str:
    core = _clause(rng, intent)
    u = rng.random()
    if u < p_ambiguous:
        core = _ambiguous(rng, intent) or core
    elif u < p_ambiguous + p_mixed:
        if intent != "chitchat":
            core = _mixed(rng, intent, core)
    elif u < p_ambiguous + p_mixed + p_neg:
        core = _negated(rng, intent, core)
    if rng.random() < p_long:
        core = f"{FILLER[rng.integers(len(FILLER))]}, {core}. {_clause(rng, 'chitchat')}"
    if rng.random() < 0.15:
        core = _typo(rng, core)
    return core


def generate(n: int = 55_000, seed: int = 0, *, p_mixed: float = 0.35, p_neg: float = 0.12, p_long: float = 0.25,
             p_ambiguous: float = 0.12, label_noise: float = 0.03,
             split: tuple[int, int, int] | None = None) -> pd.DataFrame:
    """Rows with text, intent, segment and split (train/val/test), deterministic for (n, seed)."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(len(INTENTS), size=n, p=np.asarray(PRIORS) / sum(PRIORS))
    texts = [_message(rng, INTENTS[y], p_mixed, p_neg, p_long, p_ambiguous) for y in labels]
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

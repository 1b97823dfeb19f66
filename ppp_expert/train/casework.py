"""A case exercise: the engine's own strategy walked one step at a time, each step's key taken
from what the engine concludes for the case.

The five steps: (1) PPP or traditional procurement, (2) the partnership model (optionally the
top two), (3) the owner of 5-8 of the case's risks, (4) which red flags apply (distractors are
flags that fire in other cases of the programme), (5) one structuring setting. What is asked
(which risks, which options, which setting) is drawn with a random generator seeded by the
session's seed, the case and the step, so a seed replays the same exercise and a resumed
exercise asks exactly what it asked before.
"""

from __future__ import annotations

import json
import random
from typing import Any

from ppp_expert.kb.conclusions import OUTCOMES, RedFlagConclusion, SetConclusion
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.schema import PARTIES
from ppp_expert.train.describe import VERDICT_WORDS, model_title, value_text
from ppp_expert.train.items import Alternative, Backing, Choice, Claim, Item, MatrixRow, Prompt
from ppp_expert.train.solved import Solved

STEPS = ("verdict", "model", "risks", "red_flags", "setting")
STEP_TITLES = {"verdict": "PPP or traditional procurement", "model": "The partnership model",
               "risks": "Who carries which risk", "red_flags": "Red flags", "setting": "A structuring setting"}
#: The steps a case exercise asks by default, and those a ``--topic`` keeps.
ALL_STEPS = ("verdict", "model", "risks", "red_flags", "setting:structuring")
TOPIC_STEPS = {"model-selection": ("verdict", "model"), "risk-allocation": ("risks",), "red-flags": ("red_flags",),
               "structuring": ("setting:structuring",), "governance": ("setting:governance",),
               "procurement": ("setting:procurement",)}
#: Partial credit for a defensible alternative (a close call, an allocation a less specific rule made).
CLOSE_CREDIT = 0.5
#: A less specific rule's answer that a more specific one overrode: a quarter, since the overridden
#: value is often a model's default ('shared'), which naming one owner everywhere would collect.
OVERRIDDEN_CREDIT = 0.25
#: Full credit: the engine itself ranks two models within the close-call margin, so either is right.
ACCEPTED = 1.0
MIN_RISKS, MAX_RISKS = 5, 8
FLAG_OPTIONS = 6
PARTY_WORDS = {"public": "Public (the authority)", "private": "Private (the partner)", "shared": "Shared"}


def step_rng(seed: int, case_id: str, step: str) -> random.Random:
    """A generator for one step: the same seed, case and step always draw the same."""
    return random.Random(f"{seed}/{case_id}/{step}")


def value_key(value: Any) -> str:
    """A setting value as a comparable key (a dict such as a term range in canonical JSON)."""
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else str(value)


def sections_of(kb: KnowledgeBase, claims: tuple[Claim, ...]) -> tuple[str, ...]:
    return tuple(sorted({kb.rule(b.rule).source for c in claims for b in c.deciding}))


# ---------------------------------------------------------------------------- steps
def shuffled(choices: list[Choice], seed: int, case_id: str, step: str) -> tuple[Choice, ...]:
    """The choices in an order drawn from the session's seed and the case: no position tells the
    answer, and the prompt needs no engine run (it is shown while the engine compiles)."""
    step_rng(seed, case_id, f"{step}/order").shuffle(choices)
    return tuple(choices)


def verdict_prompt(seed: int, case_id: str) -> Prompt:
    """The first step's prompt: the same choices for every case, so it is shown before the engine runs."""
    choices = shuffled([Choice(v, VERDICT_WORDS[v][0].upper() + VERDICT_WORDS[v][1:]) for v in OUTCOMES],
                       seed, case_id, "verdict")
    return Prompt("single", STEP_TITLES["verdict"],
                  "Given these facts, is a public-private partnership appropriate, is traditional procurement better, "
                  "must conditions be met first, or is there not enough information to decide?",
                  choices)


def model_prompt(kb: KnowledgeBase, seed: int, case_id: str) -> Prompt:
    choices = shuffled([Choice(m.id, m.title, m.summary) for m in kb.models.values()], seed, case_id, "model")
    return Prompt("rank", STEP_TITLES["model"],
                  "Which model fits this case best? Optionally add your runner-up (e.g. '2 1').", choices)


def verdict_step(solved: Solved, seed: int) -> Item:
    kb, advice = solved.kb, solved.advice
    a = advice.appropriate
    threshold, margin = kb.settings.verdict_threshold, kb.settings.close_call_margin
    alternatives: list[Alternative] = []
    gates = [c for c in a.conditions if c.rule]
    if gates:  # gates decided: the failed gates are what the trainee must spot
        deciding = tuple(solved.backing(c.rule, f"gate failed: {c.title}") for c in gates[:3] if c.rule)
    else:
        sign = (1.0 if a.verdict == "ppp" else -1.0 if a.verdict == "traditional"
                else (1.0 if a.certainty >= 0 else -1.0))
        strongest = sorted((r for r in a.reasons if r.weight * sign > 0), key=lambda r: (-abs(r.weight), r.rule))[:2]
        deciding = tuple(solved.backing(r.rule, f"{r.weight:+.2f}") for r in strongest)
    if a.verdict in ("ppp", "traditional") and not gates and abs(a.certainty) - threshold < margin:
        other = "traditional" if a.verdict == "ppp" else "ppp"
        alternatives.append(Alternative(other, CLOSE_CREDIT,
                                        f"a close call: the certainty {a.certainty:+.2f} is within "
                                        f"{margin:.2f} of the threshold ±{threshold:.2f}"))
    evidence = "; ".join(f"{r.weight:+.2f} {kb.rule(r.rule).title} ({r.rule})"
                         for r in sorted(a.reasons, key=lambda r: (-abs(r.weight), r.rule))[:4])
    conditions = "; ".join(c.title for c in a.conditions)
    claim = Claim("", "verdict", a.verdict, deciding, tuple(alternatives),
                  f"The engine concludes that {VERDICT_WORDS[a.verdict]} (certainty {a.certainty:+.2f}; "
                  f"±{threshold:.2f} decides"
                  + (f"; failed gates: {conditions}" if conditions else "")
                  + f"; confidence {a.confidence.level}). Strongest evidence: {evidence}.")
    prompt = verdict_prompt(seed, solved.case.id)
    why = (f"The evidence for and against a partnership combines as certainty factors: {threshold:+.2f} or more "
           f"leans to a PPP, {-threshold:+.2f} or less to traditional procurement, in between there is not enough "
           "information. Screening gates (agreed objectives, stable politics, an authority able to manage the "
           "contract, a legal route, competition, affordability, value for money) decide on their own: a failed "
           f"gate makes it 'not yet' or rules a partnership out. {len(a.reasons)} rules gave evidence and "
           f"{len(a.conditions)} gates failed in this case.")
    return Item(f"case/{solved.case.id}/verdict", "verdict", "model-selection", sections_of(kb, (claim,)), prompt,
                (claim,), solved.case.id, solved.case.difficulty.score, {"why": why})


def model_step(solved: Solved, seed: int) -> Item:
    kb, r = solved.kb, solved.advice.recommendation
    top = r.ranking[0]
    strongest = sorted((e for e in top.evidence if e.weight > 0), key=lambda e: (-e.weight, e.rule))[:2]
    deciding = tuple(solved.backing(e.rule, f"{e.weight:+.2f} for {model_title(kb, r.model)}") for e in strongest)
    alternatives = []
    if r.close_call and r.runner_up:
        runner = next(x for x in r.ranking if x.model == r.runner_up)
        alternatives.append(Alternative(r.runner_up, ACCEPTED,
                                        f"accepted: the engine ranks {model_title(kb, r.runner_up)} "
                                        f"({runner.score:+.2f}) within the close-call margin of {r.score:+.2f}"))
    ranking = "; ".join(f"{i}. {model_title(kb, x.model)} {x.score:+.2f}" for i, x in enumerate(r.ranking, 1))
    claim = Claim("", "model", r.model, deciding, tuple(alternatives),
                  f"The engine recommends {model_title(kb, r.model)}. Ranking: {ranking}.")
    prompt = model_prompt(kb, seed, solved.case.id)
    why = ("Every model gets a score from the evidence for and against it (certainty factors); traditional "
           "procurement scores the opposite of the PPP certainty. The top score wins; scores within "
           f"{kb.settings.close_call_margin:.2f} are a close call.")
    return Item(f"case/{solved.case.id}/model", "model", "model-selection", sections_of(kb, (claim,)), prompt,
                (claim,), solved.case.id, solved.case.difficulty.score,
                {"why": why, "runner_up": r.runner_up or ""})


def risks_step(solved: Solved, seed: int) -> Item:
    kb, advice = solved.kb, solved.advice
    rng = step_rng(seed, solved.case.id, "risks")
    allocations = list(advice.risk_allocation)
    n = min(rng.randint(MIN_RISKS, MAX_RISKS), len(allocations))
    chosen = set(balanced_rows(allocations, n, rng))
    claims = []
    for a in allocations:  # catalogue order
        if a.risk not in chosen:
            continue
        alternatives: dict[str, Alternative] = {}
        for o in a.overridden:
            if o.value != a.party and o.value not in alternatives:
                alternatives[o.value] = Alternative(
                    o.value, OVERRIDDEN_CREDIT,
                    f"rule {o.rule} puts it there too, but the more specific rule {a.rules[0]} wins", o.rule)
        overridden = f" (overrides {', '.join(f'{o.rule} -> {o.value}' for o in a.overridden)})" if a.overridden else ""
        claims.append(Claim(a.risk, a.title, a.party, (solved.backing(a.rules[0], a.party),),
                            tuple(alternatives.values()), f"{a.title}: {a.party}. {a.mechanism}{overridden}"))
    rows = tuple(MatrixRow(c.key, c.label, kb.risks[c.key].description) for c in claims)
    prompt = Prompt("matrix", STEP_TITLES["risks"],
                    "Who should carry each of these risks in this case?",
                    tuple(Choice(p, PARTY_WORDS[p]) for p in PARTIES), rows)
    why = ("Each risk has a default owner under each model (the risk catalogue); a case-specific rule with more "
           "conditions overrides the default. The principle: the party best able to manage a risk carries it.")
    claims_t = tuple(claims)
    return Item(f"case/{solved.case.id}/risks", "risks", "risk-allocation", sections_of(kb, claims_t), prompt, claims_t,
                solved.case.id, solved.case.difficulty.score, {"why": why})


def balanced_rows(allocations: list[Any], n: int, rng: random.Random) -> list[str]:
    """``n`` risks to ask, their owners as even as the case allows (one of each owner in turn),
    so that naming one owner for every row earns no more than a guess; within an owner, risks a
    case-specific rule decides come first."""
    groups: dict[str, list[Any]] = {}
    for a in allocations:
        groups.setdefault(a.party, []).append(a)
    for members in groups.values():
        rng.shuffle(members)
        members.sort(key=lambda a: ".default." in a.rules[0] and not a.overridden)
    parties = sorted(groups)
    rng.shuffle(parties)
    chosen: list[str] = []
    while len(chosen) < n and any(groups.values()):
        for party in parties:
            if groups[party] and len(chosen) < n:
                chosen.append(groups[party].pop(0).risk)
    return chosen


def flag_titles(kb: KnowledgeBase) -> dict[str, str]:
    """Every red flag the knowledge base can raise, by id, in knowledge-base order."""
    def compute() -> dict[str, str]:
        titles: dict[str, str] = {}
        for rule in kb.rules:
            for c in rule.conclusions:
                if isinstance(c, RedFlagConclusion):
                    titles.setdefault(c.red_flag.id, c.red_flag.title)
        return titles

    return kb.derived("train.flag_titles", compute)


def flags_step(solved: Solved, seed: int, flags_elsewhere: list[str]) -> Item:
    """Which red flags apply: some that fire here, the rest flags that fire in other cases
    (``flags_elsewhere``, plausible distractors), topped up with other flags of the knowledge base."""
    kb, advice = solved.kb, solved.advice
    rng = step_rng(seed, solved.case.id, "red_flags")
    titles = flag_titles(kb)
    fired = {f.id: f for f in advice.red_flags}
    true_ids = list(fired)
    k = min(len(true_ids), rng.randint(2, 4))
    picked = rng.sample(true_ids, k)
    elsewhere = [f for f in flags_elsewhere if f not in fired]
    rng.shuffle(elsewhere)
    rest = [f for f in titles if f not in fired and f not in elsewhere]
    rng.shuffle(rest)
    options = picked + (elsewhere + rest)[: FLAG_OPTIONS - k]
    rng.shuffle(options)
    claims = []
    for flag_id in options:
        if flag_id in fired:
            flag = fired[flag_id]
            deciding = tuple(solved.backing(rule, "raised") for rule in flag.rules)
            answer = f"{flag.title}: applies. Mitigation: {flag.mitigation}"
            claims.append(Claim(flag_id, flag.title, True, deciding, (), answer))
        else:
            near = solved.nearest(solved.supporters(f"red_flag:{flag_id}"))
            deciding = (Backing(near.rule.id, (), "not raised"),) if near else ()
            claims.append(Claim(flag_id, titles[flag_id], False, deciding, (), f"{titles[flag_id]}: does not apply."))
    claims_t = tuple(claims)
    prompt = Prompt("multi", STEP_TITLES["red_flags"],
                    "Which of these red flags apply to this case? Type every number that applies, or 'none'.",
                    tuple(Choice(c.key, c.label) for c in claims_t))
    why = ("A red flag is raised by rules that recognise a known failure pattern in the facts; several can apply, "
           "or none. The options mix flags of this case with flags that other cases raise.")
    return Item(f"case/{solved.case.id}/red_flags", "red_flags", "red-flags", sections_of(kb, claims_t), prompt,
                claims_t, solved.case.id, solved.case.difficulty.score, {"why": why})


def setting_values(kb: KnowledgeBase) -> dict[str, list[Any]]:
    """``topic:key`` -> every value a rule can set, in knowledge-base order (cached)."""
    def compute() -> dict[str, list[Any]]:
        values: dict[str, dict[str, Any]] = {}
        for rule in kb.rules:
            for c in rule.conclusions:
                if isinstance(c, SetConclusion):
                    values.setdefault(c.target, {}).setdefault(value_key(c.set.value), c.set.value)
        return {target: list(v.values()) for target, v in values.items()}

    return kb.derived("train.setting_values", compute)


MAX_SETTING_CHOICES = 5
#: Words that carry no meaning of their own in a setting value's id.
_FILLER = {"and", "with", "to", "the", "of", "on", "a", "as", "or", "by"}


def overlaps(a: Any, b: Any) -> bool:
    """Whether two setting values say partly the same thing, so that a trainee choosing one when
    the engine chose the other is not simply wrong: two term ranges sharing a year, or two ids
    sharing at least half of their meaningful words ('unamortised_investment' and
    'unamortised_private_investment')."""
    if isinstance(a, dict) and isinstance(b, dict) and {"min", "max"} <= set(a) & set(b):
        return max(a["min"], b["min"]) <= min(a["max"], b["max"])
    words_a = set(str(a).lower().split("_")) - _FILLER
    words_b = set(str(b).lower().split("_")) - _FILLER
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / min(len(words_a), len(words_b)) >= 0.5


def distinct_values(kb: KnowledgeBase, target: str, value: Any) -> list[Any]:
    """The values rules can set for ``target`` that do not overlap ``value``: fair distractors."""
    return [v for v in setting_values(kb).get(target, ())
            if value_key(v) != value_key(value) and not overlaps(v, value)]


def askable_setting(kb: KnowledgeBase, target: str, setting: Any) -> bool:
    """A setting is asked when it offers at least two distractors that do not overlap the key."""
    return len(distinct_values(kb, target, setting.value)) >= 2


def setting_step(solved: Solved, seed: int, topic: str = "structuring", key: str | None = None) -> Item | None:
    """One setting of ``topic`` the engine decides for this case (``key``, else drawn from the seed),
    among the values rules can set; ``None`` when the case has no such setting with at least three
    possible values."""
    kb = solved.kb
    rng = step_rng(seed, solved.case.id, "setting")
    settings = getattr(solved.advice, topic).settings
    possible = setting_values(kb)
    eligible = sorted(k for k, v in settings.items() if askable_setting(kb, f"{topic}:{k}", v))
    if not eligible or (key is not None and key not in eligible):
        return None
    key = key if key is not None else rng.choice(eligible)
    setting = settings[key]
    target = f"{topic}:{key}"
    engine = value_key(setting.value)
    # An overridden value is a defensible answer (partial credit); other distractors must not
    # overlap the engine's value, or a right answer would score nothing.
    overridden = {value_key(o.value): o for o in setting.overridden if value_key(o.value) != engine}
    others = [v for v in distinct_values(kb, target, setting.value) if value_key(v) not in overridden]
    rng.shuffle(others)
    wanted = {engine, *list(overridden)[: MAX_SETTING_CHOICES - 3]}
    wanted |= {value_key(v) for v in others[: MAX_SETTING_CHOICES - len(wanted)]}
    shown = [v for v in possible[target] if value_key(v) in wanted]
    rng.shuffle(shown)  # no position tells the answer
    choices = tuple(Choice(value_key(v), value_text(v)) for v in shown)
    alternatives = tuple(Alternative(k, OVERRIDDEN_CREDIT, f"rule {o.rule} sets it too, but the more specific rule "
                                                      f"{setting.rules[0]} wins", o.rule)
                         for k, o in overridden.items() if k in wanted)
    words = key.replace("_", " ")
    over = f" (overrides {', '.join(f'{o.rule} -> {value_text(o.value)}' for o in setting.overridden)})" \
        if setting.overridden else ""
    claim = Claim("", words, engine, (solved.backing(setting.rules[0], value_text(setting.value)),), alternatives,
                  f"{words.capitalize()}: {value_text(setting.value)}. {setting.reason}{over}")
    prompt = Prompt("single", f"{STEP_TITLES['setting']}: {words}",
                    f"Which {words} suits this case ({topic})?", choices)
    why = (f"The {words} is set by rules that read the recommended model and the case's facts; when several "
           "rules set it, the most specific one wins and the others are overridden.")
    return Item(f"case/{solved.case.id}/setting/{topic}.{key}", "setting", topic, sections_of(kb, (claim,)), prompt,
                (claim,), solved.case.id, solved.case.difficulty.score, {"why": why, "target": target})


def build_step(solved: Solved, seed: int, step: str, flags_elsewhere: list[str]) -> Item | None:
    """One step of a case exercise by name (``setting:governance`` asks a governance setting)."""
    name, _, topic = step.partition(":")
    if name == "verdict":
        return verdict_step(solved, seed)
    if name == "model":
        # A model the engine does not recommend is not graded (insufficient information, a tie).
        return model_step(solved, seed) if solved.advice.recommendation.determined else None
    if name == "risks":  # no model recommended: no risk owners to grade
        return risks_step(solved, seed) if solved.advice.risk_allocation else None
    if name == "red_flags":
        return flags_step(solved, seed, flags_elsewhere)
    if name == "setting":
        return setting_step(solved, seed, topic or "structuring")
    raise ValueError(f"unknown step {step!r}")

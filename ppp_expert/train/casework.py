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

from ppp_expert.kb.conclusions import OUTCOMES
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.schema import PARTIES
from ppp_expert.train.choice_steps import advice_step, flags_step, setting_step
from ppp_expert.train.describe import VERDICT_WORDS, model_title
from ppp_expert.train.items import Alternative, Choice, Claim, Item, MatrixRow, Prompt
from ppp_expert.train.solved import Solved
from ppp_expert.train.step_parts import (  # noqa: F401  (names the other modules take from here)
    ACCEPTED,
    ALL_STEPS,
    CLOSE_CREDIT,
    MAX_RISKS,
    MIN_RISKS,
    OVERRIDDEN_CREDIT,
    PARTY_WORDS,
    STEP_TITLES,
    STEPS,
    TOPIC_STEPS,
    askable_setting,
    balanced_rows,
    flag_titles,
    overlaps,
    sections_of,
    setting_values,
    shuffled,
    step_rng,
    value_key,
)


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


def verdict_step(solved: Solved, seed: int) -> Item | None:
    """The outcome step; None when no rule decides it (no evidence and no gate: the answers are too
    few for any rule to fire), since the tutor grades only what a rule it can show explains."""
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
    if not deciding:
        return None
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


def risks_step(solved: Solved, seed: int, keys: tuple[str, ...] | None = None) -> Item | None:
    """The owners of 5-8 risks drawn from the seed (or exactly ``keys``, rebuilt from an item id;
    None when one of them is no longer allocated)."""
    kb, advice = solved.kb, solved.advice
    rng = step_rng(seed, solved.case.id, "risks")
    allocations = list(advice.risk_allocation)
    if keys is not None:
        if not set(keys) <= {a.risk for a in allocations}:
            return None
        chosen = set(keys)
    else:
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
    model = model_title(kb, advice.recommendation.model)
    prompt = Prompt("matrix", STEP_TITLES["risks"],
                    "Who should carry each of these risks in this case?",
                    tuple(Choice(p, PARTY_WORDS[p]) for p in PARTIES), rows,
                    (f"The model for this case is {model} (the engine's recommendation): the owners follow from it "
                     "and from the facts.",))
    why = ("Each risk has a default owner under each model (the risk catalogue); a case-specific rule with more "
           "conditions overrides the default. The principle: the party best able to manage a risk carries it.")
    claims_t = tuple(claims)
    item_id = f"case/{solved.case.id}/risks/{'+'.join(sorted(chosen))}"
    return Item(item_id, "risks", "risk-allocation", sections_of(kb, claims_t), prompt, claims_t,
                solved.case.id, solved.case.difficulty.score, {"why": why})


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
    if name == "advice":
        return advice_step(solved, seed, topic or "implementation")
    raise ValueError(f"unknown step {step!r}")


def rebuild_step(solved: Solved, seed: int, parts: list[str], flags_elsewhere: list[str]) -> Item | None:
    """A step from the rest of its id (``risks/a+b``, ``red_flags/x+y``, ``advice/topic/r1+r2``,
    ``setting/topic.key``, ``verdict``, ``model``); None when the case no longer supports it."""
    name, rest = parts[0], parts[1:]
    if name == "risks" and len(rest) == 1:
        return risks_step(solved, seed, tuple(rest[0].split("+"))) if solved.advice.risk_allocation else None
    if name == "red_flags" and len(rest) == 1:
        return flags_step(solved, seed, flags_elsewhere, tuple(rest[0].split("+")))
    if name == "advice" and len(rest) == 2:
        return advice_step(solved, seed, rest[0], tuple(rest[1].split("+")))
    if name == "setting" and len(rest) == 1:
        topic, _, key = rest[0].partition(".")
        return setting_step(solved, seed, topic, key)
    if name in ("verdict", "model") and not rest:
        return build_step(solved, seed, name, flags_elsewhere)
    return None

"""The case steps answered by picking among options: which red flags apply, which advice applies
(several or none), and one structuring, governance or procurement setting. The options asked
are drawn from the seed; the item's id names them, so the same item comes back from its id
whatever the seed (the learner model schedules ids whose rows never change)."""

from __future__ import annotations

from ppp_expert.train.describe import value_text
from ppp_expert.train.items import Alternative, Backing, Choice, Claim, Item, Prompt
from ppp_expert.train.solved import Solved, plain_reason
from ppp_expert.train.step_parts import (
    FLAG_OPTIONS,
    MAX_SETTING_CHOICES,
    OVERRIDDEN_CREDIT,
    STEP_TITLES,
    advice_rules,
    askable_setting,
    distinct_values,
    flag_titles,
    sections_of,
    setting_values,
    step_rng,
    value_key,
)


def flags_step(solved: Solved, seed: int, flags_elsewhere: list[str],
               options: tuple[str, ...] | None = None) -> Item | None:
    """Which red flags apply: some that fire here, the rest flags that fire in other cases
    (``flags_elsewhere``, plausible distractors), topped up with other flags of the knowledge base;
    or exactly ``options`` (rebuilt from an item id; None when one is no longer a flag)."""
    kb, advice = solved.kb, solved.advice
    rng = step_rng(seed, solved.case.id, "red_flags")
    titles = flag_titles(kb)
    fired = {f.id: f for f in advice.red_flags}
    if not fired:
        return None  # naming no flag would be a free right answer
    if options is not None:
        if not set(options) <= set(titles):
            return None
        drawn = list(options)
        rng.shuffle(drawn)
    else:
        true_ids = list(fired)
        k = min(len(true_ids), rng.randint(2, 4))
        picked = rng.sample(true_ids, k)
        elsewhere = [f for f in flags_elsewhere if f not in fired]
        rng.shuffle(elsewhere)
        rest = [f for f in titles if f not in fired and f not in elsewhere]
        rng.shuffle(rest)
        drawn = picked + (elsewhere + rest)[: FLAG_OPTIONS - k]
        rng.shuffle(drawn)
    options = tuple(drawn)
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
    item_id = f"case/{solved.case.id}/red_flags/{'+'.join(sorted(options))}"
    return Item(item_id, "red_flags", "red-flags", sections_of(kb, claims_t), prompt,
                claims_t, solved.case.id, solved.case.difficulty.score, {"why": why})


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


def advice_step(solved: Solved, seed: int, topic: str = "implementation",
                options: tuple[str, ...] | None = None) -> Item | None:
    """Which of these pieces of ``topic`` advice apply to this case: two to four the engine gives
    here, the others advice it gives only in other situations; scored like red flags."""
    kb = solved.kb
    rng = step_rng(seed, solved.case.id, f"advice/{topic}")
    rules = advice_rules(kb, topic)
    fired = [r for r in rules if r in solved.firings]
    idle = [r for r in rules if r not in solved.firings]
    if len(fired) < 2 or len(idle) < 2:
        return None
    if options is not None:  # rebuilt from its id
        if not set(options) <= set(rules):
            return None
        drawn = list(options)
    else:
        k = rng.randint(2, min(4, len(fired)))
        drawn = rng.sample(fired, k) + rng.sample(idle, min(len(idle), FLAG_OPTIONS - k))
    rng.shuffle(drawn)
    options = tuple(drawn)
    claims = []
    for rule_id in options:
        rule = kb.rule(rule_id)
        if rule_id in solved.firings:
            claims.append(Claim(rule_id, rule.title, True, (solved.backing(rule_id, "applies"),), (),
                                f"{rule.title}: applies. {plain_reason(kb, rule)}"))
        else:
            claims.append(Claim(rule_id, rule.title, False, (Backing(rule_id, (), "does not apply"),), (),
                                f"{rule.title}: does not apply here."))
    claims_t = tuple(claims)
    prompt = Prompt("multi", f"{topic.capitalize()} advice",
                    f"Which of these pieces of {topic} advice apply to this case? Type every number that applies.",
                    tuple(Choice(c.key, c.label) for c in claims_t))
    why = (f"Each piece of {topic} advice comes from a rule that reads the model and the case's facts; some apply "
           "to most partnerships, others only in particular situations.")
    return Item(f"case/{solved.case.id}/advice/{topic}/{'+'.join(sorted(options))}", "advice", topic,
                sections_of(kb, claims_t), prompt, claims_t, solved.case.id, solved.case.difficulty.score,
                {"why": why})

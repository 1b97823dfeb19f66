"""Case files (YAML or JSON): read, check every answer against the questions, suggest fixes."""

from __future__ import annotations

import math
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Union

from ppp_expert.cases.finance import Finance, finance_from_data
from ppp_expert.errors import CaseError, echoed, echoed_key, printable
from ppp_expert.kb.conditions import UNKNOWN
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.kb.loader import default_kb
from ppp_expert.kb.schema import MODEL_IDS, PARTIES, Question
from ppp_expert.kb.sources import suggest
from ppp_expert.yaml_io import check_size, decode, parse_text, read_bytes

AnswerValue = Union[str, int, float]
_LARGEST_FLOAT = int(sys.float_info.max)  # a larger integer cannot be compared with the questions' bounds
#: The screening question of scale, in US$ millions (the finance block can supply it).
CAPITAL_COST = "capital_cost_musd"
CASE_KEYS = ("id", "title", "narrative", "answers", "expected", "finance", "consultation")
#: The largest count a session file may claim of questions asked (far above any real consultation).
MAX_ASKED = 1_000_000


#: What ``expected.appropriate`` may say ("undetermined": the name files written before the four
#: outcomes use for insufficient information).
EXPECTED_OUTCOMES = ("ppp", "traditional", "not_yet", "insufficient_information", "undetermined")


@dataclass(kw_only=True)
class Expected:
    """Outcomes a case is expected to produce (batch --check, training)."""

    appropriate: Optional[str] = None
    model: Optional[str] = None
    risks: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The outcomes given (those not None), as batch --check compares them."""
        data = {"appropriate": self.appropriate, "model": self.model, "risks": self.risks}
        return {k: v for k, v in data.items() if v is not None}


@dataclass(kw_only=True)
class Case:
    """A validated case: answers hold only known, allowed values (unknowns dropped).

    Plain data: ``case_from_data`` checks every field itself (pydantic is not needed to read a case)."""

    id: str
    title: str = ""
    narrative: str = ""
    answers: dict[str, AnswerValue] = field(default_factory=dict)
    expected: Optional[Expected] = None
    #: The business case's figures (amounts, budget envelope, liabilities), when the file gives them.
    finance: Optional[Finance] = None
    #: How many questions the consultation that wrote this file has asked (``ask`` continues the
    #: count after ``--resume``); evaluation ignores it.
    asked: int = 0
    #: Answers worked out from the figures rather than given (``capital_cost_musd`` from the
    #: ``finance`` block's capital cost and rate); they count as answers everywhere.
    derived: tuple[str, ...] = ()


def check_answer(question: Question, value: Any, where: str, field: str) -> Optional[AnswerValue]:
    """The normalised answer, ``None`` for unknown; a CaseError naming the expectation otherwise."""
    if value is None or value == UNKNOWN:
        return None
    if question.type == "choice":
        if isinstance(value, bool) and {"yes", "no"} <= set(question.answers):
            value = "yes" if value else "no"
        if not isinstance(value, str):
            raise CaseError(
                f"expected one of {sorted(question.answers)} or unknown, got {type(value).__name__} {echoed(value)}",
                path=where, field=field,
            )
        if value not in question.answers:
            raise CaseError(
                f"{echoed(value)} is not an allowed answer{suggest(value, question.answers)}; expected one of "
                f"{sorted(question.answers)} or unknown", path=where, field=field,
            )
        return value
    kind = "a whole number" if question.type == "integer" else "a number"
    bounds = f" from {question.min:g}" if question.min is not None else ""
    bounds += f" to {question.max:g}" if question.max is not None else ""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _LARGEST_FLOAT:
        raise CaseError(f"expected {kind}{bounds} or unknown, got a number of {len(str(abs(value))):,} digits",
                        path=where, field=field)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CaseError(f"expected {kind}{bounds} or unknown, got {echoed(value)}", path=where, field=field)
    if question.type == "integer":
        if value != int(value):
            raise CaseError(f"expected {kind}{bounds}, got {echoed(value)}", path=where, field=field)
        value = int(value)
    if (question.min is not None and value < question.min) or (question.max is not None and value > question.max):
        raise CaseError(f"expected {kind}{bounds}, got {echoed(value)}", path=where, field=field)
    return value


def case_from_data(data: Any, kb: KnowledgeBase, where: str, default_id: str) -> Case:
    """Validate parsed case data against the knowledge base's questions, models and risks."""
    if data is None:
        raise CaseError("file is empty (only comments or blank lines); expected a mapping with answers", path=where)
    if not isinstance(data, Mapping):
        raise CaseError(f"expected a mapping with {', '.join(CASE_KEYS)}, got {type(data).__name__}", path=where)
    for key in data:
        if key not in CASE_KEYS:
            raise CaseError(f"unknown key{suggest(str(key), CASE_KEYS)}; expected {', '.join(CASE_KEYS)}",
                            path=where, field=echoed_key(key))
    answers_raw = data.get("answers")
    if answers_raw is None:  # "answers:" with nothing under it: no answers yet
        answers_raw = {}
    if not isinstance(answers_raw, Mapping):
        raise CaseError(f"expected a mapping of question id to answer, got {type(answers_raw).__name__}",
                        path=where, field="answers")
    answers: dict[str, AnswerValue] = {}
    for question_id, value in answers_raw.items():
        field = f"answers.{echoed_key(question_id)}"
        question = kb.questions.get(str(question_id))
        if question is None:
            raise CaseError(f"unknown question{suggest(str(question_id), kb.questions)}; see 'ppp-expert questions'",
                            path=where, field=field)
        checked = check_answer(question, value, where, field)
        if checked is not None:
            answers[question.id] = checked
    for key in ("id", "title", "narrative"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int, float))):
            raise CaseError(f"expected text, got {type(value).__name__}", path=where, field=key)
        _check_text(value if isinstance(value, str) else "", key, where)
    expected = _expected(data.get("expected"), kb, where)
    raw_id, title, narrative = data.get("id"), data.get("title"), data.get("narrative")
    case_id = default_id if raw_id is None or raw_id == "" else str(raw_id)
    finance = finance_from_data(data.get("finance"), where)
    derived = _derived_capital_cost(finance, kb, answers, where)
    return Case(id=case_id, title="" if title is None else str(title),
                narrative="" if narrative is None else str(narrative), answers={**answers, **derived},
                expected=expected, finance=finance, derived=tuple(derived),
                asked=_asked(data.get("consultation"), where))


def _derived_capital_cost(finance: Optional[Finance], kb: KnowledgeBase, answers: Mapping[str, AnswerValue],
                          where: str) -> dict[str, AnswerValue]:
    """``capital_cost_musd`` from the figures in the case's own currency, when the answers leave it
    open: the rules' thresholds are in US$ millions, the business case's figures need not be."""
    question = kb.questions.get(CAPITAL_COST)
    musd = finance.capital_cost_musd() if finance is not None else None
    if question is None or musd is None or CAPITAL_COST in answers:
        return {}
    checked = check_answer(question, musd, where, "finance.capital_cost")
    return {} if checked is None else {CAPITAL_COST: checked}


def _asked(raw: Any, where: str) -> int:
    """The ``consultation`` block a session file carries: ``{asked: N}``, N a whole number >= 0."""
    if raw is None:
        return 0
    if not isinstance(raw, Mapping):
        raise CaseError(f"expected a mapping like {{asked: 12}}, got {type(raw).__name__}", path=where,
                        field="consultation")
    for key in raw:
        if key != "asked":
            raise CaseError("unknown key; expected asked", path=where, field=f"consultation.{echoed_key(key)}")
    asked = raw.get("asked", 0)
    if isinstance(asked, bool) or not isinstance(asked, int) or not 0 <= asked <= MAX_ASKED:
        raise CaseError(f"expected a whole number from 0 to {MAX_ASKED:,}, got {asked!r:.40}", path=where,
                        field="consultation.asked")
    return asked


#: Bidirectional controls reorder what a reader sees (an id shown as ``abc.yaml`` can hold other text).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _check_text(text: str, key: str, where: str) -> None:
    """Text fields are shown in terminals, tables and file names: refuse what would mislead them.

    Everywhere: control characters (tabs and line breaks excepted in title and narrative) and
    lone surrogates (not Unicode text: JSON's ``"\\ud800"``). In ``id``: also bidirectional
    controls and any other invisible or non-printing character, since an id names files and
    results and must read the same everywhere; titles may need right-to-left marks.
    """
    for c in text:
        category = unicodedata.category(c)
        if category == "Cs":
            raise CaseError(f"contains a lone surrogate {c!r}; expected valid Unicode text", path=where, field=key)
        if category == "Cc" and (key == "id" or c not in "\t\n\r"):
            # Shown in terminal panels and headers: an escape sequence would reach the terminal.
            raise CaseError(f"contains the control character {c!r}; expected plain text", path=where, field=key)
        if key == "id" and (c in BIDI_CONTROLS or not c.isprintable()):  # the ASCII space is printable
            what = "bidirectional control" if c in BIDI_CONTROLS else "invisible character"
            raise CaseError(f"contains the {what} {ascii(c)}; expected visible text", path=where, field=key)


def _expected(raw: Any, kb: KnowledgeBase, where: str) -> Optional[Expected]:
    if raw is None:
        return None
    expected = _expected_shape(raw, where)
    if expected.model is not None and expected.model not in MODEL_IDS:
        raise CaseError(f"unknown model {echoed(expected.model)}{suggest(expected.model, MODEL_IDS)}; "
                        f"expected one of {list(MODEL_IDS)}", path=where, field="expected.model")
    for risk, party in expected.risks.items():
        if risk not in kb.risks:
            raise CaseError(f"unknown risk{suggest(risk, kb.risks)}", path=where,
                            field=f"expected.risks.{echoed_key(risk)}")
        if party not in PARTIES:
            raise CaseError(f"expected one of {list(PARTIES)}, got {echoed(party)}", path=where,
                            field=f"expected.risks.{echoed_key(risk)}")
    return expected


def _expected_shape(raw: Any, where: str) -> Expected:
    """The ``expected`` block when it is well formed (the usual case, checked here directly);
    otherwise pydantic's first complaint about it, as one line."""
    appropriate, model, risks = (raw.get(k) for k in ("appropriate", "model", "risks")) if type(raw) is dict \
        else (None, None, None)
    if (type(raw) is dict and raw.keys() <= {"appropriate", "model", "risks"}
            and (appropriate is None or (type(appropriate) is str and appropriate in EXPECTED_OUTCOMES))
            and (model is None or type(model) is str)
            and ("risks" not in raw or (type(risks) is dict
                                        and all(type(k) is str and type(v) is str for k, v in risks.items())))):
        # Case and session files written before the four outcomes say "undetermined".
        return Expected(appropriate="insufficient_information" if appropriate == "undetermined" else appropriate,
                        model=model, risks=dict(risks or {}))
    return _expected_by_pydantic(raw, where)


def _expected_by_pydantic(raw: Any, where: str) -> Expected:
    """Validate an ``expected`` block the direct check did not accept: the error (or, for input
    pydantic's lax rules accept, the value) is the one the block's schema gives."""
    from pydantic import ConfigDict, Field, ValidationError, create_model

    pattern = f"^({'|'.join(EXPECTED_OUTCOMES)})$"
    schema: Any = create_model(
        "Expected", __config__=ConfigDict(extra="forbid"),
        appropriate=(Optional[str], Field(default=None, pattern=pattern)),
        model=(Optional[str], None), risks=(dict[str, str], {}))
    try:
        checked: Any = schema.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise CaseError(first["msg"], path=where, field=f"expected.{loc}" if loc else "expected") from None
    appropriate = checked.appropriate
    return Expected(appropriate="insufficient_information" if appropriate == "undetermined" else appropriate,
                    model=checked.model, risks=dict(checked.risks))


#: A case file has a few dozen answers and some notes; more values than this means an alias bomb.
MAX_NODES = 20_000


def load_case(path: str | Path, kb: KnowledgeBase | None = None) -> Case:
    """Read and validate a YAML or JSON case file; raises CaseError with a one-line message."""

    file = Path(path)
    return case_from_bytes(read_bytes(file, CaseError), file, kb or default_kb())


def case_from_bytes(raw: bytes, file: Path, kb: KnowledgeBase) -> Case:
    """Validate a case file's content already read (batch hashes and parses the same bytes)."""
    text = decode(raw, str(file), CaseError)
    data = parse_text(text, str(file), CaseError, as_json=file.suffix.lower() == ".json")
    check_size(data, MAX_NODES, str(file), CaseError, "a small case file")
    # The default id comes from the file name: shown with escapes when the name holds bytes
    # that are not UTF-8 or characters that do not print (it is not the user's to refuse).
    return case_from_data(data, kb, str(file), printable(file.stem))


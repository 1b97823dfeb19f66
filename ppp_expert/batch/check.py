"""What a batch keeps of each result (an Outcome) and the ``--check`` comparison with ``expected:``."""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Optional

NOT_ALLOCATED = "(not allocated)"
#: The model of a result that recommends none (insufficient information, a tie, no model fits).
NO_MODEL = "(no model)"


class Outcome(NamedTuple):
    """The few fields of a result that summaries and checks need (small, cheap to pickle)."""

    case: str
    verdict: str = ""
    model: str = ""
    score: Optional[float] = None
    close_call: bool = False
    red_flags: tuple[tuple[str, str], ...] = ()  # (id, title), in the result's order
    risks: Mapping[str, str] = {}
    error: str = ""

    @classmethod
    def from_advice(cls, advice: Any) -> "Outcome":
        """From a pydantic ``Advice`` (worker side: no JSON round trip)."""
        rec = advice.recommendation
        return cls(
            case=advice.case, verdict=advice.appropriate.verdict, model=rec.model if rec.determined else NO_MODEL,
            score=rec.score,
            close_call=rec.close_call, red_flags=tuple((f.id, f.title) for f in advice.red_flags),
            risks={r.risk: r.party for r in advice.risk_allocation},
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Outcome":
        """From a results.jsonl record (an Advice or an error record)."""
        if "error" in data:
            return cls(case=str(data.get("case", "")), error=str(data["error"]))
        rec = data["recommendation"]
        return cls(
            case=data["case"], verdict=data["appropriate"]["verdict"],
            model=rec["model"] if rec.get("determined", True) else NO_MODEL, score=rec["score"],
            close_call=rec["close_call"], red_flags=tuple((f["id"], f["title"]) for f in data["red_flags"]),
            risks={r["risk"]: r["party"] for r in data["risk_allocation"]},
        )


def compare(expected: Optional[Mapping[str, Any]], outcome: Outcome) -> Optional[list[str]]:
    """Diff lines (``- field: expected`` / ``+ field: got``) for each mismatch; None if nothing expected."""
    if expected is None or outcome.error:
        return None
    pairs: list[tuple[str, Any, Any]] = []
    if expected.get("appropriate") is not None:
        pairs.append(("appropriate", expected["appropriate"], outcome.verdict))
    if expected.get("model") is not None:
        pairs.append(("model", expected["model"], outcome.model))
    for risk, party in sorted((expected.get("risks") or {}).items()):
        pairs.append((f"risks.{risk}", party, outcome.risks.get(risk, NOT_ALLOCATED)))
    lines: list[str] = []
    for name, want, got in pairs:
        if want != got:
            lines += [f"- {name}: {want}", f"+ {name}: {got}"]
    return lines


def format_diff(path: str, case: str, lines: list[str]) -> str:
    """One mismatch block: a header naming the file and case, then the diff lines, indented."""
    fields = len(lines) // 2
    head = f"MISMATCH {path} ({case}): {fields} field{'s' if fields != 1 else ''} differ{'s' if fields == 1 else ''}"
    return "\n".join([head, *("    " + line for line in lines)])

"""The trainer's side of the programme: list it (shipped and trainer cases, with the engine's
difficulty) and add a case file to it in one training database."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ppp_expert.cases.case import CaseError
from ppp_expert.kb.knowledge_base import KnowledgeBase
from ppp_expert.train.catalogue import Catalogue
from ppp_expert.train.learner import open_learner
from ppp_expert.train.programme import case_from_file_bytes, load_programme
from ppp_expert.train.store import default_db_path
from ppp_expert.yaml_io import read_bytes


def programme_rows(kb: KnowledgeBase, db_path: str | None) -> list[dict[str, Any]]:
    """One row per programme case, clearest first (the database is only read, and only if it exists)."""
    exists = (Path(db_path) if db_path else default_db_path()).exists()
    learner = open_learner(db_path, readonly=True) if exists else None
    try:
        programme = load_programme(kb, learner.trainer_cases() if learner else [])
        summaries = Catalogue(programme, learner).all()  # cached difficulties when the database has them
    finally:
        if learner is not None:
            learner.db.close()
    rows = sorted(programme.cases.values(), key=lambda c: (summaries[c.id].difficulty.score, c.id))
    return [{"id": c.id, "title": c.case.title, "origin": c.origin,
             "level": summaries[c.id].difficulty.level,
             "difficulty": summaries[c.id].difficulty.score,
             "model_margin": summaries[c.id].difficulty.margin,
             "overridden_allocations": summaries[c.id].difficulty.overridden,
             "red_flags": summaries[c.id].difficulty.red_flags} for c in rows]


def print_programme(rows: list[dict[str, Any]], console: Console) -> None:
    table = Table(title=f"Training programme ({len(rows)} cases, clearest first)",
                  caption="* added by a trainer to this database" if any(r["origin"] == "trainer" for r in rows)
                  else None)
    table.add_column("Case", no_wrap=True)
    for name in ("Level", "Difficulty", "Margin", "Overrides", "Flags"):
        table.add_column(name, justify="left" if name == "Level" else "right", no_wrap=True)
    for r in rows:
        table.add_row(Text(r["id"] + (" *" if r["origin"] == "trainer" else "")), r["level"], f"{r['difficulty']:.2f}",
                      f"{r['model_margin']:.2f}", str(r["overridden_allocations"]), str(r["red_flags"]))
    console.print(table)


def add_case(kb: KnowledgeBase, case_file: str, db_path: str | None, replace: bool) -> str:
    """Check and solve a case file, store it in the database's programme; what to tell the trainer."""
    path = Path(case_file)
    raw = read_bytes(path, CaseError)
    added = case_from_file_bytes(raw, str(path), kb, "trainer")
    with closing(open_learner(db_path)) as learner:
        others = [(n, c) for n, c in learner.trainer_cases() if not (replace and n == path.name)]
        programme = load_programme(kb, others)
        if added.id in programme.cases and programme.cases[added.id].origin == "shipped":
            raise CaseError(f"case id '{added.id}' is a shipped case; expected a new id", path=str(path), field="id")
        new = learner.add_case(added.id, path.name, raw, replace)
    advice = added.advice
    return (f"{'Added' if new else 'Replaced'} case '{added.id}' ({added.difficulty.level}; the engine "
            f"recommends {advice.recommendation.model}, {len(advice.red_flags)} red flags). It joins the programme "
            "in this database.")


def remove_case(case_id: str, db_path: str | None) -> str:
    """Remove a trainer case from the programme in this database; the line to print."""
    with closing(open_learner(db_path)) as learner:
        learner.remove_case(case_id)
    return f"Removed case '{case_id}' from the programme."


def add_content(path: str, db_path: str | None, replace: bool) -> str:
    """Validate a trainer's item and override file and store it in the database; the line to print."""
    from ppp_expert.train.authored import AuthoredError, describe, parse_authored

    raw = read_bytes(Path(path), AuthoredError)
    parsed = parse_authored(raw, path)
    name = Path(path).name
    with closing(open_learner(db_path)) as learner:
        added = learner.add_content(name, raw, replace)
    counts = describe(parsed)
    return (f"{'Added' if added else 'Replaced'} trainer content '{name}': {counts['items']} item(s), "
            f"{counts['overrides']} override(s). Every trainee on this database gets them.")


def remove_content(name: str, db_path: str | None) -> str:
    with closing(open_learner(db_path)) as learner:
        learner.remove_content(name)
    return f"Removed trainer content '{name}'."

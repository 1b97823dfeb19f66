"""The portfolio page of a batch with decision memos: one row per case, linked to its memo.

Written as ``reports/index.html`` next to the memos (HTML or Markdown): case, verdict, model,
close call, red flags, and a link to the memo. Autoescaped Jinja2: file names and case ids are data;
a link is a URL (``render.encode.url_path``) before it is an attribute.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Sequence

from ppp_expert import files
from ppp_expert.batch.check import Outcome
from ppp_expert.batch.worker import report_path
from ppp_expert.errors import shown_name
from ppp_expert.render.encode import url_path


def write_portfolio(reports_dir: Path, rows: Sequence[tuple[str, Outcome]], fmt: str) -> Path:
    """Write ``reports_dir/index.html`` (whole or not at all) and return its path."""
    from ppp_expert.render.explanations import VERDICT_WORDS
    from ppp_expert.render.memo import page_environment  # jinja2 and the memo only when reports are written

    entries = []
    for path, outcome in rows:
        memo = Path(report_path(str(reports_dir), path, fmt))
        entries.append({
            "path": shown_name(path), "case": shown_name(outcome.case),
            "link": url_path(memo.relative_to(reports_dir).as_posix()),
            "error": shown_name(outcome.error or ""), "verdict": VERDICT_WORDS.get(outcome.verdict, outcome.verdict),
            "model": outcome.model.replace("_", " "), "score": outcome.score, "close_call": outcome.close_call,
            "red_flags": [title for _, title in outcome.red_flags],
        })
    counts = Counter((e["verdict"], e["model"]) for e in entries if not e["error"])
    text = page_environment().get_template("portfolio.html.j2").render(
        entries=entries, counts=sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
        failed=sum(1 for e in entries if e["error"]))
    target = reports_dir / "index.html"
    files.write_file(target, text)  # never through a link; whole or not at all
    return target

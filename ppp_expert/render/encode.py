"""One encoder per output language: text from case files and their names, made literal.

Every value that comes from outside (case ids, titles, file names, error texts) passes through
the encoder of the language it is written in, and only that one:

- HTML text and attributes: Jinja2's autoescape (``memo.html.j2``, ``portfolio.html.j2``);
  a link target is a URL first (``url_path``), then escaped as an attribute;
- URL: ``url_path``, a relative link to a file, every path segment percent-encoded from its
  bytes, so ``javascript:x.html`` is a file name and never a scheme, and ``#``, ``?``, ``%``
  and names that are not UTF-8 reach the file they name;
- Markdown text: ``md_text`` (and ``md_cell`` for a table cell); Markdown code spans:
  ``md_code`` (and ``md_code_cell``), fenced by more backticks than the text holds;
- CSV: ``csv_cell``, so a spreadsheet shows text, never a formula;
- DOT: ``render.graphs.wrapped`` (Graphviz's own escape).
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import quote

from ppp_expert.errors import shown_name


def url_path(relative: str) -> str:
    """A relative POSIX path as the target of a link: each segment percent-encoded (``/`` kept
    between them), from the bytes of the name on disk."""
    return "/".join(quote(os.fsencode(part), safe="") for part in relative.split("/"))


def md_text(text: Any) -> str:
    """Text as literal Markdown inside a line: characters that would start emphasis, code, links,
    HTML or a table cell are escaped (our text never starts a line, so line-start markers are safe)."""
    return re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", shown_name(str(text)))


def md_cell(text: Any) -> str:
    """Text for one Markdown table cell: escaped, and on one line."""
    return md_text(" ".join(str(text).split()))


def md_code(text: Any, cell: bool = False) -> str:
    """Text as one Markdown code span (backticks included): fenced by one backtick more than the
    longest run in the text, padded when it starts or ends with one, on one line. In a table cell
    a ``|`` is escaped too (GitHub ends a cell there even inside a code span)."""
    value = " ".join(shown_name(str(text)).split())
    if cell:
        value = value.replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def md_code_cell(text: Any) -> str:
    return md_code(text, cell=True)


#: A cell starting with one of these is a formula to a spreadsheet (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """Text that a spreadsheet shows as text: a leading ``'`` before a formula character.

    Ids, paths and error texts come from the case files and their names, so ``=HYPERLINK(...)``
    in an id must not become a live formula when summary.csv is opened. Numbers written by the
    batch itself (scores, counts) are not passed through here. Undecodable file-name bytes
    are written as backslash escapes, so the file stays UTF-8.
    """
    value = shown_name(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value

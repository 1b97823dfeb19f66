"""The memo in the format asked for: text (md, html) or the bytes of a file (pdf, docx)."""

from __future__ import annotations

from ppp_expert.render.memo import Memo, render


def memo_payload(memo: Memo, fmt: str, brief: bool = False) -> str | bytes:
    """md and html from their templates; pdf prints the html; docx is built from the same data."""
    if fmt in ("md", "html"):
        return render(memo, fmt, brief)
    if fmt == "pdf":
        from ppp_expert.render.pdf import html_to_pdf

        return html_to_pdf(render(memo, "html", brief))
    from ppp_expert.render.memo_docx import docx_bytes

    return docx_bytes(memo, brief)

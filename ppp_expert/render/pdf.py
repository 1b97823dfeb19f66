"""The HTML memo printed to PDF by headless Chromium (Debian's ``chromium``).

The browser that renders the HTML memo for a reader also prints it, so the PDF is the page the
print styles describe (A4, the executive summary first) and nothing is laid out twice. The page
has no scripts and names no external address; Chromium runs with a throwaway profile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ppp_expert.errors import PPPExpertError

TIMEOUT = 180


class PdfError(PPPExpertError):
    """The PDF could not be printed."""


def chromium() -> str | None:
    """The Chromium executable, or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def html_to_pdf(html: str) -> bytes:
    """Print a self-contained HTML page to PDF bytes."""
    browser = chromium()
    if browser is None:
        raise PdfError("the Chromium browser is needed to print a PDF (Debian: apt-get install chromium); "
                       "--format html writes the same memo to print from any browser", field="--format")
    with tempfile.TemporaryDirectory(prefix="ppp-expert-pdf-") as tmp:
        page, out = Path(tmp) / "memo.html", Path(tmp) / "memo.pdf"
        page.write_text(html, encoding="utf-8")
        command = [browser, "--headless", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer",
                   f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={out}", page.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to start as root with its sandbox
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium took longer than {TIMEOUT} s to print the memo", field="--format") from None
        if done.returncode != 0 or not out.is_file():
            lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise PdfError(f"Chromium could not print the memo: {lines[-1][:200] if lines else done.returncode}",
                           field="--format")
        return out.read_bytes()

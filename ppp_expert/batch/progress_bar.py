"""Progress on stderr: a rich bar on a terminal, a plain line every few seconds otherwise."""

from __future__ import annotations

import sys
import time
from typing import IO, Any, Optional


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


class Progress:
    """``start(total)``, ``advance(n)``, ``close()``.

    While the bar runs, lines written to a terminal stdout are shown above it (rich redirects
    them); stdout that is a file or a pipe is never touched.
    """

    def __init__(self, stream: Optional[IO[str]] = None, interval: float = 5.0, enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.interval = interval
        self.enabled = enabled
        self.total = self.done = 0
        self.started = self.last = 0.0
        self._bar: Any = None
        self._task: Any = None

    def start(self, total: int, label: str = "cases") -> None:
        self.total, self.done = total, 0
        self.started = self.last = time.monotonic()
        if not self.enabled or total == 0:
            return
        if getattr(self.stream, "isatty", lambda: False)():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress as Bar,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Bar(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                TextColumn("{task.fields[rate]}"), TextColumn("elapsed"), TimeElapsedColumn(),
                TextColumn("ETA"), TimeRemainingColumn(),
                console=Console(file=self.stream), transient=False,
                redirect_stdout=sys.stdout.isatty(), redirect_stderr=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(label, total=total, rate="")

    def advance(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled or self.total == 0:
            return
        now = time.monotonic()
        rate = self.done / max(now - self.started, 1e-9)
        if self._bar is not None:
            self._bar.update(self._task, advance=n, rate=f"{rate:,.0f} cases/s")
        elif now - self.last >= self.interval:
            self.last = now
            self.stream.write(self.line(now) + "\n")
            self.stream.flush()

    def line(self, now: Optional[float] = None) -> str:
        elapsed = (now or time.monotonic()) - self.started
        rate = self.done / max(elapsed, 1e-9)
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        return (f"batch: {self.done:,}/{self.total:,} cases ({100 * self.done / self.total:.0f}%), "
                f"{rate:,.1f} cases/s, elapsed {_duration(elapsed)}, ETA {_duration(eta)}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

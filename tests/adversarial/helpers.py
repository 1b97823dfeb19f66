"""What the hardening tests share: a time bound for every test (import `bounded_in_time` into the test
module; it is autouse there), and a look at one failed run."""

from __future__ import annotations

import signal
from typing import Any, Iterator

import pytest

#: No test here may take longer: a hang is a failure, not a stuck suite.
TIME_BOUND_S = 120


@pytest.fixture(autouse=True)
def bounded_in_time() -> Iterator[None]:
    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"the test took over {TIME_BOUND_S} s (a hang)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TIME_BOUND_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def one_line_error(result: Any, *fragments: str, code: int = 2) -> str:
    """The run failed with ``code`` and exactly one ``error:`` line on stderr holding every fragment."""
    assert result.exit_code == code, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return str(lines[0])

"""Fail fast on anything remote: every bad ``--scheduler`` is one line naming the address and what
to check, exit 2, within 15 s, with no traceback and no ``Client.__del__`` noise (defects 6, 7, 8
and the scheduler part of 22). Loopback addresses only: local fake listeners and a refused port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from conftest import ROOT
from helpers import bounded_in_time  # noqa: F401  (an autouse fixture)

CASE = ROOT / "cases" / "hmrc-aspire.yaml"
SCRIPT = Path(sys.executable).parent / "ppp-expert"
LIMIT_S = 15

#: What a fake listener does with each connection it accepts.
GREETINGS = {
    "silent": None,  # accepts and says nothing (a stuck service, an HTTP server waiting for a request)
    "ssh banner": b"SSH-2.0-OpenSSH_9.6\r\n",
    "http answer": b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
    "huge length": b"\xff" * 64,  # read as a frame length, what once ended in MemoryError
    "closes at once": b"",
}


@pytest.fixture
def listener(request: pytest.FixtureRequest) -> Iterator[str]:
    """A loopback listener that accepts and answers with ``GREETINGS[param]``; its tcp:// address."""
    greeting = GREETINGS[request.param]
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            if greeting == b"":
                conn.close()
                continue
            if greeting:
                conn.sendall(greeting)
            held.append(conn)  # kept open, as a stuck service would

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(5)
    for conn in held:
        conn.close()
    server.close()


def refused_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = int(probe.getsockname()[1])
    probe.close()
    return port


def batch(tmp_path: Path, address: str) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    done = subprocess.run([str(SCRIPT), "batch", str(CASE), "--out", str(tmp_path / "out"), "--scheduler", address],
                          capture_output=True, text=True, timeout=LIMIT_S + 30,
                          env=dict(os.environ, NO_COLOR="1", PPP_EXPERT_DEBUG=""))
    return done, time.monotonic() - start


def assert_named_in_one_line(done: subprocess.CompletedProcess[str], elapsed: float, address: str,
                             *fragments: str) -> None:
    assert elapsed < LIMIT_S, f"took {elapsed:.1f} s"
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, lines  # no traceback, no __del__ noise, no Dask log lines
    line = lines[0]
    assert line.startswith(f"error: {address or chr(39) * 2}: --scheduler: "), line
    assert "check" in line or "expected" in line, line  # what to check
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    assert not (Path(done.args[4]) / "results.jsonl").exists()  # failed before any work


@pytest.mark.parametrize("listener", list(GREETINGS), indirect=True)
def test_defect6_7_a_listener_that_is_not_dask_fails_fast(listener, tmp_path) -> None:
    done, elapsed = batch(tmp_path, listener)
    assert_named_in_one_line(done, elapsed, listener)
    assert "Dask" in done.stderr


def test_defect8_a_refused_port_fails_at_once(tmp_path) -> None:
    address = f"tcp://127.0.0.1:{refused_port()}"
    done, elapsed = batch(tmp_path, address)
    assert_named_in_one_line(done, elapsed, address, "cannot reach the Dask scheduler", "connection refused")
    assert elapsed < 8


@pytest.mark.parametrize("address", ["foo", "http://127.0.0.1:8080", "127.0.0.1:8786", "tcp://127.0.0.1",
                                     "tcp://127.0.0.1:99999", "tcp://:8786", "tcp://127.0.0.1:8786/x?y"])
def test_defect7_an_address_that_is_not_tcp_host_port_is_refused_before_connecting(tmp_path, address) -> None:
    done, elapsed = batch(tmp_path, address)
    assert_named_in_one_line(done, elapsed, address, "expected tcp://HOST:PORT")


def test_defect22_an_empty_scheduler_is_refused_not_the_local_default(tmp_path) -> None:
    done, elapsed = batch(tmp_path, "")
    assert_named_in_one_line(done, elapsed, "", "is empty")

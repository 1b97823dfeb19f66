"""What every command shares: the lazily loaded knowledge base and the error-to-exit-code mapping.

Heavy modules (pydantic, experta, networkx, rich) are imported inside commands so that
``--help`` starts fast.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar

import click

from ppp_expert.errors import ExitCode

F = TypeVar("F", bound=Callable[..., Any])


class CliState:
    """Shared by subcommands through click's context: the knowledge base, loaded on demand."""

    def __init__(self, kb_path: str | None) -> None:
        self.kb_path = kb_path
        self._kb: Any = None

    @property
    def kb(self) -> Any:
        if self._kb is None:
            from ppp_expert.kb.loader import default_kb, load_kb

            self._kb = default_kb() if self.kb_path is None else load_kb(self.kb_path)
        return self._kb


pass_state = click.make_pass_decorator(CliState)


def handle_errors(func: F) -> F:
    """Turn every PPPExpertError into one line on stderr and its exit code (no traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ppp_expert.errors import PPPExpertError

        try:
            return func(*args, **kwargs)
        except PPPExpertError as exc:
            fail(exc)
        except KeyboardInterrupt:  # Ctrl-C anywhere, start-up included: 130, as every shell tool
            click.echo("\ninterrupted", err=True)
            exit_interrupted()
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:  # output piped into `head`: not an error worth a message
            sys.stderr.close()
            sys.exit(ExitCode.OK)
        except OSError as exc:
            if exc.filename is not None or exc.errno not in _OUTPUT_LOST:
                internal_error(exc)
            _drop_stdout()  # what is still buffered cannot be written either: no second message at exit
            click.echo(f"error: cannot write to standard output: {exc.strerror or exc}", err=True)
            sys.exit(ExitCode.FAILED)
        except Exception as exc:  # a bug: one line, the traceback only on request
            internal_error(exc)

    return wrapper  # type: ignore[return-value]


#: Standard output cannot take more: a full disk (``> /dev/full``), a quota, a device error.
_OUTPUT_LOST = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG}


def internal_error(exc: Exception) -> None:
    """A bug: one line, the traceback only on request."""
    if os.environ.get("PPP_EXPERT_DEBUG"):
        raise exc
    click.echo(f"internal error: {type(exc).__name__}: {exc} (set PPP_EXPERT_DEBUG=1 for the traceback)", err=True)
    sys.exit(ExitCode.FAILED)


def _drop_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def exit_interrupted() -> None:
    """Exit with 130 after Ctrl-C, everything already written flushed.

    ``sys.exit`` is not enough: when the interrupt landed inside code run by ``exec`` (dataclass
    and pydantic model creation do that), CPython remembers an "unhandled" KeyboardInterrupt and
    ends the process by SIGINT (-2) even though we handled it. Cleanup has already run while the
    exception unwound (locks released, temporaries removed), so leaving at once is safe.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(ExitCode.INTERRUPTED)


def fail(exc: Any) -> None:
    """Print a PPPExpertError as one line and exit with its code."""
    click.echo(f"error: {exc.one_line()}", err=True)
    sys.exit(exc.exit_code)


def echo_lines(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


def check_graph_target(graph: str | None) -> None:
    """Refuse a ``--graph`` that cannot be written (empty, a folder, a link, a FIFO or device, a
    missing folder) before any work is done: one line, exit 2."""
    if graph is None:
        return
    from ppp_expert.files import check_target

    if graph == "":
        from ppp_expert.files import OutputError

        raise OutputError("is empty; expected a file name such as graph.svg", path="''", field="--graph")
    check_target(Path(graph), option="--graph")


def write_graph_note(g: Any, graph: str, focus_on: str | None = None, option: str = "--focus") -> None:
    """Write an explanation graph (or the focus on one conclusion) and say where it went."""
    from ppp_expert.advice.explain import focus
    from ppp_expert.render.graphs import write_graph

    path = write_graph(focus(g, focus_on, option=option) if focus_on is not None else g, graph)
    click.echo(f"explanation graph written to {path}", err=True)


@contextmanager
def setting_up() -> Iterator[None]:
    """Imports, the knowledge base and its compiled engine make ~10^5 objects that live as long
    as the process: the cyclic collector would scan them again and again to free nothing. The
    command line owns its process, so it pauses the collector while setting up and then freezes
    what was built out of later collections (``gc.freeze``)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def evaluate_file(state: CliState, case_path: str) -> tuple[Any, Any, Any]:
    """Load a case file and evaluate it: (case, trace, advice)."""
    with setting_up():
        from ppp_expert.advice.assemble import build_advice
        from ppp_expert.cases.case import load_case
        from ppp_expert.engine.reasoner import reasoner_for

        case = load_case(case_path, state.kb)
        reasoner = reasoner_for(state.kb)
    trace = reasoner.run(case.answers)
    return case, trace, build_advice(state.kb, case.id, trace)

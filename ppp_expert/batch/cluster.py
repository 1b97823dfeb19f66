"""Batch on a Dask cluster: a ``concurrent.futures.Executor`` over ``dask.distributed``.

The batch runner talks to any executor through ``submit`` and futures, and keeps ordering,
resuming and writing in the calling process; this module only supplies the executor:

- ``DaskExecutor`` submits each chunk as a task that is never deduplicated (``pure=False``:
  a chunk submitted again after a worker died must run again) and reports a task whose
  worker died as ``WorkerLost``, which the runner resubmits once;
- ``CompileKnowledgeBase``, a worker plugin, compiles the knowledge base when a worker starts
  (and when a restarted worker joins), so the first chunk does not pay for it; the worker
  module's per-process cache makes sure each process compiles it once in any case;
- ``connect`` opens a client to a running scheduler, or starts a local cluster of worker
  processes on the loopback interface (``--executor dask`` without ``--scheduler``).

``dask.distributed`` is an optional dependency (``pip install 'ppp-expert[dask]'``); this module
is imported only when a Dask executor is asked for. Imports the batch worker; nothing else.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import CancelledError, Executor, Future
from typing import Any, Callable, Iterator, Optional

from ppp_expert.batch.runner import WorkerLost
from ppp_expert.batch.worker import WorkerConfig
from ppp_expert.errors import PPPExpertError

INSTALL_HINT = "install the Dask extra: pip install 'ppp-expert[dask]'"

try:  # optional: without it, connect() says how to install it
    from distributed import WorkerPlugin
except ImportError:  # pragma: no cover - the test extra installs it
    WorkerPlugin = object  # type: ignore[misc, assignment]


class ClusterError(PPPExpertError):
    """The cluster cannot be used: Dask missing, scheduler unreachable."""


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise ClusterError(f"dask.distributed is not installed; {INSTALL_HINT}", field="--scheduler") from None
    return distributed


def compile_on_worker(kb_path: Optional[str]) -> None:
    """Load and compile the knowledge base into this worker process's cache (once)."""
    from ppp_expert.batch.worker import _engine

    _engine(kb_path)


class CompileKnowledgeBase(WorkerPlugin):
    """A Dask worker plugin: compile the knowledge base when a worker starts.

    Registered under one name per knowledge-base path, so registering it again (a second
    batch on the same cluster) replaces it instead of piling up copies.
    """

    def __init__(self, kb_path: Optional[str]) -> None:
        self.kb_path = kb_path
        self.name = f"ppp-expert-kb:{kb_path or 'shipped'}"

    def setup(self, worker: Any) -> None:
        compile_on_worker(self.kb_path)


class DaskExecutor(Executor):
    """Chunks as Dask tasks; results as ``concurrent.futures`` futures the runner waits on."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._inner = client.get_executor(pure=False)
        distributed = _distributed()
        self._lost = (distributed.KilledWorker, distributed.comm.CommClosedError)

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        outer: Future = Future()

        def deliver(inner: Future) -> None:
            try:
                outer.set_result(inner.result())
            except self._lost as exc:
                outer.set_exception(WorkerLost(f"a Dask worker died running this task ({type(exc).__name__}: {exc})"))
            except CancelledError:
                outer.set_exception(WorkerLost("the cluster cancelled the task"))
            except BaseException as exc:  # noqa: BLE001 - delivered through the future, as a pool would
                outer.set_exception(exc)

        self._inner.submit(fn, *args, **kwargs).add_done_callback(deliver)
        return outer

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait)

    def worker_count(self) -> int:
        """Threads across the cluster's workers (how many chunks can run at once)."""
        return max(1, sum(self.client.nthreads().values()))


PROBE_LIMIT_S = 8.0  # the longest a bad --scheduler may take to be named, whatever the Dask timeout
_SCHEMES = ("tcp", "tls")


def check_scheduler(address: str, timeout: float) -> str:
    """Refuse a ``--scheduler`` address that is not a Dask scheduler, quickly and in one line:
    not ``tcp://HOST:PORT``; nothing listening (refused at once); a listener that does not
    answer as a Dask scheduler does (silent, or a banner of another protocol such as HTTP or
    SSH) within ``timeout`` seconds, at most ``PROBE_LIMIT_S``. Returns the address."""
    import socket
    from urllib.parse import urlsplit

    def refuse(what: str) -> ClusterError:
        return ClusterError(what, path=address or "''", field="--scheduler")

    if not address:
        raise refuse("is empty; expected tcp://HOST:PORT (or leave --scheduler out for a local cluster)")
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
        parts = urlsplit("")
    if parts.scheme not in _SCHEMES or not host or not port or parts.path not in ("", "/") or parts.query:
        raise refuse("is not a scheduler address; expected tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786 "
                     "(the address the scheduler prints when it starts)")
    limit = max(0.1, min(timeout, PROBE_LIMIT_S))
    try:
        with socket.create_connection(_resolved(host, port, limit), timeout=limit) as conn:
            if parts.scheme == "tcp":
                conn.settimeout(limit)
                _expect_dask_greeting(conn)
    except ConnectionRefusedError:
        raise refuse("cannot reach the Dask scheduler: connection refused (nothing listens there); check that "
                     "the scheduler is running and the host and port") from None
    except socket.gaierror as exc:
        raise refuse(f"cannot reach the Dask scheduler: unknown host ({exc.strerror or exc}); check the host "
                     "name") from None
    except (TimeoutError, socket.timeout):
        raise refuse(f"cannot reach the Dask scheduler: no Dask answer within {limit:g} s; check the host and "
                     "port (another service may listen there) and that a firewall lets it through") from None
    except _NotDask as exc:
        raise refuse(f"is not a Dask scheduler ({exc}); check the port: the scheduler prints its address "
                     "when it starts") from None
    except OSError as exc:
        raise refuse(f"cannot reach the Dask scheduler: {exc.strerror or exc}; check the host and port") from None
    return address


class _NotDask(Exception):
    pass


def _resolved(host: str, port: int, limit: float) -> tuple[str, int]:
    """``host`` looked up within ``limit`` seconds (a name lookup has no timeout of its own)."""
    import socket
    import threading

    found: list[Any] = []

    def look_up() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][:2])
        except OSError as exc:
            found.append(exc)

    thread = threading.Thread(target=look_up, daemon=True)
    thread.start()
    thread.join(limit)
    if not found:
        raise TimeoutError(f"looking up {host} took over {limit:g} s")
    if isinstance(found[0], OSError):
        raise found[0]
    return (str(found[0][0]), int(found[0][1]))


def _expect_dask_greeting(conn: Any) -> None:
    """A Dask scheduler greets first: an 8-byte length, then that many bytes of framed msgpack
    that name the Python version it runs on."""
    import struct

    head = _read(conn, 8)
    (length,) = struct.unpack("<Q", head)
    if not 16 <= length <= 1 << 16:
        raise _NotDask("it answered with something that is not Dask's protocol")
    if b"python" not in _read(conn, length):
        raise _NotDask("its greeting is not a Dask scheduler's")


def _read(conn: Any, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise _NotDask("it closed the connection without a Dask greeting")
        data += chunk
    return data


@contextlib.contextmanager
def connect(scheduler: Optional[str], config: WorkerConfig, local_workers: int) -> Iterator[DaskExecutor]:
    """A Dask executor on the cluster at ``scheduler`` (``tcp://host:port``), or on a new local
    cluster of ``local_workers`` single-threaded processes listening on 127.0.0.1 only.

    A ``scheduler`` is checked first (``check_scheduler``), so a wrong address is one line
    within seconds, before Dask is asked to connect."""
    import dask

    # DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT
    timeout = dask.config.get("distributed.comm.timeouts.connect")
    if scheduler is not None:
        check_scheduler(scheduler, _seconds(timeout))
    distributed = _distributed()
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(distributed.LocalCluster(
                n_workers=local_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None))
            address = cluster.scheduler_address
        else:
            address = scheduler
        try:
            client = stack.enter_context(distributed.Client(address, timeout=timeout, set_as_default=False))
        except (OSError, TimeoutError, ValueError, MemoryError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler: {type(exc).__name__}: {exc}; check the host and "
                               "port", path=address, field="--scheduler") from None
        client.register_plugin(CompileKnowledgeBase(config.kb_path))
        yield DaskExecutor(client)


def _seconds(value: Any) -> float:
    from dask.utils import parse_timedelta

    try:
        return float(parse_timedelta(value, default="seconds") or PROBE_LIMIT_S)
    except (TypeError, ValueError):
        return PROBE_LIMIT_S


__all__ = ["ClusterError", "CompileKnowledgeBase", "DaskExecutor", "INSTALL_HINT", "check_scheduler",
           "compile_on_worker", "connect"]

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


@contextlib.contextmanager
def connect(scheduler: Optional[str], config: WorkerConfig, local_workers: int) -> Iterator[DaskExecutor]:
    """A Dask executor on the cluster at ``scheduler`` (``tcp://host:port``), or on a new local
    cluster of ``local_workers`` single-threaded processes listening on 127.0.0.1 only."""
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
            import dask

            timeout = dask.config.get("distributed.comm.timeouts.connect")  # DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT
            client = stack.enter_context(distributed.Client(address, timeout=timeout, set_as_default=False))
        except (OSError, TimeoutError) as exc:
            raise ClusterError(f"cannot reach the Dask scheduler: {exc}", path=address, field="--scheduler") from None
        client.register_plugin(CompileKnowledgeBase(config.kb_path))
        yield DaskExecutor(client)


__all__ = ["ClusterError", "CompileKnowledgeBase", "DaskExecutor", "INSTALL_HINT", "compile_on_worker", "connect"]

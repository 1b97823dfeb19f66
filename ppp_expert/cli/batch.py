"""`ppp-expert batch`: evaluate many case files in parallel, stream results, optionally check them."""

from __future__ import annotations

import os
import sys
from functools import partial
from typing import Any, Optional

import click

from ppp_expert.cli.common import handle_errors
from ppp_expert.errors import ExitCode

DEFAULT_OUT = "ppp-expert-batch"


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATHS...")
@click.option("--out", "out_dir", type=click.Path(readable=False), default=DEFAULT_OUT, show_default=True,
              help="Output folder: results.jsonl, summary.csv, reports/ (created if missing).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores; 1 runs in this process).")
@click.option("--check", is_flag=True,
              help="Compare each case's expected: block with its result; print a diff per mismatch, exit 1 if any.")
@click.option("--resume", is_flag=True,
              help="Keep results already in OUT/results.jsonl whose case file is unchanged (same sha256).")
@click.option("--reports", type=click.Choice(["text", "md", "html"]), is_flag=False, flag_value="text", default=None,
              help="Also write one report per case under OUT/reports/: text (the default when no format is "
                   "given: the full evaluate text), md or html (decision memos, plus reports/index.html, a "
                   "portfolio page linking them). Put the format right after --reports, e.g. --reports html.")
@click.option("--executor", type=click.Choice(["process", "dask"]), default=None,
              help="Where cases run: process (a local process pool, the default) or dask (a Dask cluster: the one "
                   "--scheduler names, else a new local one of --jobs worker processes).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Run on the Dask cluster of this scheduler (implies --executor dask; needs ppp-expert[dask]; "
                   "workers must see the case files at the same paths).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None, hidden=True,
              help="Cases per task sent to a worker (default: automatic).")
@click.pass_obj
def batch(state: Any, paths: tuple[str, ...], out_dir: str, jobs: Optional[int], check: bool, resume: bool,
          reports: Optional[str], executor: Optional[str], scheduler: Optional[str],
          chunk_size: Optional[int]) -> None:
    """Evaluate many case files (YAML or JSON): files, folders (recursive) and glob patterns.

    Writes OUT/results.jsonl (one result per case, sorted by path; failed cases as error
    records), OUT/summary.csv and, with --reports, OUT/reports/; prints a summary.
    Exit codes: 0 all evaluated (and checks passed), 1 check mismatches, 2 some inputs could
    not be read or evaluated (all others still were), 130 interrupted (use --resume).

    Example: ppp-expert batch --check cases/ --out out/cases
    """
    from pathlib import Path

    from ppp_expert.batch.runner import BatchOptions, render_summary, run_batch
    from ppp_expert.errors import PPPExpertError

    if executor == "process" and scheduler is not None:
        raise click.UsageError("--scheduler runs on Dask; drop --executor process")
    try:
        kb = state.kb
        options = BatchOptions(out_dir=Path(out_dir), jobs=jobs or os.cpu_count() or 1, check=check,
                               resume=resume, reports=reports, chunk_size=chunk_size)
        run = partial(run_batch, paths, kb, state.kb_path, options, echo=click.echo,
                      note=lambda text: click.echo(text, err=True))
        if executor == "dask" or scheduler is not None:  # an empty --scheduler is refused, not the default
            from ppp_expert.batch.cluster import connect
            from ppp_expert.batch.worker import WorkerConfig

            with connect(scheduler, WorkerConfig(kb_path=_absolute(state.kb_path)), options.jobs) as cluster:
                if jobs is None and scheduler is not None:
                    options.jobs = cluster.worker_count()
                click.echo(f"batch: on Dask at {cluster.client.scheduler.address}", err=True)
                result = run(executor=cluster)
        else:
            result = run()
    except PPPExpertError as exc:
        click.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(ExitCode.BAD_INPUT)
    except OSError as exc:
        click.echo(f"error: {exc.filename or out_dir}: {exc.strerror or exc}", err=True)
        sys.exit(ExitCode.BAD_INPUT)
    for line in result.notes:
        click.echo(line, err=True)
    if not result.interrupted:
        if not result.discovery.cases:
            click.echo("error: no case files found in " + " ".join(paths), err=True)
        click.echo(render_summary(result.tally, result.discovery, kb, check, Path(out_dir)))
    sys.exit(result.exit_code)


def _absolute(kb_path: Optional[str]) -> Optional[str]:
    """The knowledge-base path as workers will open it (run_batch makes it absolute the same way)."""
    from pathlib import Path

    return None if kb_path is None else str(Path(kb_path).resolve())


# The same one-line errors as every other command, never a traceback (wrapped here rather than by
# decorator so that the function keeps its own name and signature for click).
assert batch.callback is not None
batch.callback = handle_errors(batch.callback)

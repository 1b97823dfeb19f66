"""The ``ppp-expert`` command line: parse options, call the library, map errors to exit codes.

Heavy modules (pydantic, experta, networkx, rich) are imported inside commands so that
``--help`` starts fast.
"""

from __future__ import annotations

import json
import os
import sys
from functools import wraps
from typing import Any, Callable, TypeVar

import click

from ppp_expert import __version__

F = TypeVar("F", bound=Callable[..., Any])
EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class State:
    """Shared by subcommands through click's context: the knowledge base, loaded on demand."""

    def __init__(self, kb_path: str | None) -> None:
        self.kb_path = kb_path
        self._kb: Any = None

    @property
    def kb(self) -> Any:
        if self._kb is None:
            if self.kb_path is None:
                from ppp_expert.api import default_kb

                self._kb = default_kb()
            else:
                from ppp_expert.kb.loader import load_kb

                self._kb = load_kb(self.kb_path)
        return self._kb


pass_state = click.make_pass_decorator(State)


def handle_errors(func: F) -> F:
    """Turn every PPPExpertError into one line on stderr and exit code 2 (no traceback)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ppp_expert.errors import PPPExpertError

        try:
            return func(*args, **kwargs)
        except PPPExpertError as exc:
            click.echo(f"error: {exc.one_line()}", err=True)
            sys.exit(exc.exit_code)
        except (KeyboardInterrupt, click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:  # output piped into `head`: not an error worth a message
            sys.stderr.close()
            sys.exit(EXIT_OK)
        except Exception as exc:  # a bug: one line, the traceback only on request
            if os.environ.get("PPP_EXPERT_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (set PPP_EXPERT_DEBUG=1 for the traceback)",
                       err=True)
            sys.exit(EXIT_FAILED)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="ppp-expert")
@click.option("--kb", "kb_path", type=click.Path(), default=None, envvar="PPP_EXPERT_KB",
              help="Knowledge-base directory (default: the shipped one; env PPP_EXPERT_KB).")
@click.pass_context
def main(ctx: click.Context, kb_path: str | None) -> None:
    """Advice on technology public-private partnerships, with every conclusion explained.

    Exit codes: 0 ok, 1 advice or check failed, 2 bad input.
    """
    ctx.obj = State(kb_path)


def _evaluate_file(state: State, case_path: str) -> tuple[Any, Any, Any]:
    from ppp_expert.api import reasoner_for
    from ppp_expert.advice.assemble import build_advice
    from ppp_expert.cases.case import load_case

    case = load_case(case_path, state.kb)
    trace = reasoner_for(state.kb).run(case.answers)
    return case, trace, build_advice(state.kb, case.id, trace)


def _write_graph(g: Any, graph: str, focus_on: str | None = None, option: str = "--focus") -> None:
    from ppp_expert.advice.explain import focus
    from ppp_expert.render.graphs import write_graph

    path = write_graph(focus(g, focus_on, option=option) if focus_on is not None else g, graph)
    click.echo(f"explanation graph written to {path}", err=True)


@main.command()
@click.argument("case_path", metavar="CASE", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: readable advice; json: the result contract (one line).")
@click.option("--graph", type=click.Path(dir_okay=False), default=None,
              help="Also write the explanation graph (.dot .svg .png .graphml .json).")
@click.option("--focus", "focus_on", default=None, metavar="CONCLUSION",
              help="Draw only what leads to one conclusion (e.g. model, verdict, risk:demand).")
@pass_state
@handle_errors
def evaluate(state: State, case_path: str, fmt: str, graph: str | None, focus_on: str | None) -> None:
    """Evaluate a case file (YAML or JSON) and print the advice.

    Example: ppp-expert evaluate cases/ireland-national-broadband-plan.yaml --graph out.svg
    """
    from ppp_expert.errors import CaseError

    if focus_on is not None and not graph:  # before any work: nothing printed, then refused
        raise CaseError("--focus needs --graph FILE", field="--focus")
    case, trace, advice = _evaluate_file(state, case_path)
    if fmt == "json":
        click.echo(advice.to_json())
    else:
        from ppp_expert.render.text import make_console, print_advice

        print_advice(advice, state.kb, make_console(), title=case.title or case.id)
    if graph:
        from ppp_expert.advice.explain import build_graph

        _write_graph(build_graph(state.kb, trace, advice), graph, focus_on)


@main.command()
@click.argument("case_path", metavar="CASE", type=click.Path())
@click.option("--how", "how_target", default=None, metavar="CONCLUSION",
              help="Explain how a conclusion was reached: verdict, model, a risk id, a red flag id, a fact, "
                   "or topic:key such as structuring:term_years.")
@click.option("--why-not", "why_not_model", default=None, metavar="MODEL",
              help="Explain why a model was not recommended.")
@click.option("--graph", type=click.Path(dir_okay=False), default=None,
              help="Also draw the HOW chain as a graph (.dot .svg .png .graphml .json).")
@pass_state
@handle_errors
def explain(state: State, case_path: str, how_target: str | None, why_not_model: str | None,
            graph: str | None) -> None:
    """Explain the reasoning for a case: HOW a conclusion was reached, WHY-NOT a model.

    Example: ppp-expert explain cases/linknyc.yaml --how risk:demand --why-not joint_venture
    """
    from ppp_expert.errors import CaseError

    case, trace, advice = _evaluate_file(state, case_path)
    if how_target is None and why_not_model is None:  # an empty --how '' is a target to refuse, not a default
        how_target = "model"
    if how_target is not None:
        from ppp_expert.advice.explain import build_graph, how

        g = build_graph(state.kb, trace, advice)
        lines = how(g, how_target)  # an unknown target fails before any output
        click.echo(f"HOW {how_target} ({case.id}):")
        for line in lines:
            click.echo("  " + line)
        if graph:
            _write_graph(g, graph, how_target, option="--how")
    if why_not_model is not None:
        from ppp_expert.advice.explain import why_not
        from ppp_expert.kb.loader import suggest

        if why_not_model not in state.kb.models:
            raise CaseError(f"unknown model '{why_not_model}'{suggest(why_not_model, state.kb.models)}; expected one "
                            f"of {', '.join(state.kb.models)}", field="--why-not")
        _print_why_not(why_not(state.kb, trace, why_not_model), advice)


def _print_why_not(result: Any, advice: Any) -> None:
    rec = advice.recommendation
    score = next(r.score for r in rec.ranking if r.model == result.model)
    if result.model == rec.model:
        click.echo(f"WHY NOT {result.model}: it IS the recommendation (score {score:+.2f}).")
    else:
        click.echo(f"WHY NOT {result.model}: it scored {score:+.2f} against {rec.model} at {rec.score:+.2f}.")
    if result.fired_for:
        click.echo("  Rules that favoured it and fired:")
        for rule, w in result.fired_for:
            click.echo(f"    {w:+.1f} {rule.id} [{rule.source}] {rule.title}")
    if result.fired_against:
        click.echo("  Rules that counted against it:")
        for rule, w in result.fired_against:
            click.echo(f"    {w:+.1f} {rule.id} [{rule.source}] {rule.title}")
    if result.not_fired:
        click.echo("  Rules that would have favoured it but did not fire (failed conditions):")
        for rule, w, failed in result.not_fired:
            click.echo(f"    {w:+.1f} {rule.id} [{rule.source}] {rule.title}")
            for leaf in failed:
                click.echo(f"          x {leaf}")


@main.command()
@click.argument("case_path", metavar="CASE", type=click.Path())
@click.option("--set", "assignments", multiple=True, required=True, metavar="QUESTION=VALUE",
              help="Change an answer (repeatable); VALUE unknown removes it.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
@handle_errors
def whatif(state: State, case_path: str, assignments: tuple[str, ...], fmt: str) -> None:
    """Change some answers of a case and show what changes in the advice.

    Example: ppp-expert whatif cases/hmrc-aspire.yaml --set public_funding=unavailable --set duration_years=12
    """
    from ppp_expert.api import evaluate
    from ppp_expert.cases.case import load_case
    from ppp_expert.advice.whatif import apply, compare, parse_assignments

    case = load_case(case_path, state.kb)
    changes = parse_assignments(state.kb, assignments)
    result = compare(case, changes, evaluate(case, state.kb), evaluate(apply(case, changes), state.kb))
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), sort_keys=False))
        return
    _print_whatif(result)


def _print_whatif(result: Any) -> None:
    changed = ", ".join(f"{q}: {c.before} -> {c.after}" for q, c in result.answers.items()) or "no answer changed"
    click.echo(f"WHAT IF {changed} ({result.case}):")
    if result.unchanged:
        click.echo("  The verdict, the model, the risk owners, the red flags and the settings stay the same.")
    if result.verdict:
        click.echo(f"  verdict: {result.verdict.before} -> {result.verdict.after}")
    if result.model:
        click.echo(f"  recommended model: {result.model.before} -> {result.model.after}")
    for model, change in result.scores.items():
        click.echo(f"  score {model}: {change.before:+.2f} -> {change.after:+.2f}")
    for risk, change in result.risks.items():
        click.echo(f"  risk {risk}: {change.before} -> {change.after}")
    for flag in result.red_flags_added:
        click.echo(f"  + red flag {flag}")
    for flag in result.red_flags_removed:
        click.echo(f"  - red flag {flag}")
    for key, change in result.settings.items():
        click.echo(f"  {key}: {_short(change.before)} -> {_short(change.after)}")


def _short(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"min", "max"}:
        return f"{value['min']}-{value['max']} years"
    return str(value)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
@handle_errors
def questions(state: State, fmt: str) -> None:
    """List the questions a case can answer, with their allowed answers.

    Example: ppp-expert questions --format json
    """
    kb = state.kb
    if fmt == "json":
        click.echo(json.dumps([q.model_dump(exclude_none=True) for q in kb.questions.values()], indent=1))
        return
    for q in kb.questions.values():
        click.echo(f"{q.id}  ({q.phase}; guide: {', '.join(q.guide)})")
        click.echo(f"  {q.text}")
        if q.type == "choice":
            for value, meaning in q.answers.items():
                click.echo(f"    {value:<24} {meaning}")
        else:
            bounds = " ".join(x for x in (f"min {q.min:g}" if q.min is not None else "",
                                          f"max {q.max:g}" if q.max is not None else "") if x)
            click.echo(f"    <{q.type}> {bounds}")
        click.echo("    unknown                  not known yet (same as leaving it out)")


@main.command()
@pass_state
@handle_errors
def schema(state: State) -> None:
    """Print the JSON Schema of case files (generated from the questions).

    Example: ppp-expert schema > case.schema.json
    """
    from ppp_expert.cases.schema import case_json_schema

    click.echo(json.dumps(case_json_schema(state.kb), indent=1))


@main.group()
def kb() -> None:
    """Knowledge-engineering tools: lint, stats, graph, coverage."""


@kb.command("lint")
@pass_state
@handle_errors
def kb_lint(state: State) -> None:
    """Check the knowledge base; exit 1 when there are errors.

    Example: ppp-expert kb lint
    """
    from ppp_expert.kb.lint import lint

    findings = lint(state.kb)
    for finding in findings:
        click.echo(finding.line())
    errors = sum(1 for f in findings if f.level == "error")
    warnings = len(findings) - errors
    click.echo(f"{len(state.kb.rules)} rules, {len(state.kb.questions)} questions, {len(state.kb.risks)} risks: "
               f"{errors} errors, {warnings} warnings")
    if errors:
        sys.exit(EXIT_FAILED)


@kb.command("stats")
@pass_state
@handle_errors
def kb_stats(state: State) -> None:
    """Print counts of questions, risks and rules by topic (JSON).

    Example: ppp-expert kb stats
    """
    from ppp_expert.kb.lint import stats

    click.echo(json.dumps(stats(state.kb), indent=1))


@kb.command("coverage")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--show", type=click.IntRange(min=0), default=50, show_default=True,
              help="How many never-fired rules to list.")
@pass_state
@handle_errors
def kb_coverage(state: State, paths: tuple[str, ...], show: int) -> None:
    """Evaluate case files and list the rules they never fire and the questions they never answer.

    Example: ppp-expert kb coverage cases/
    """
    from ppp_expert.batch.coverage import measure

    result = measure(state.kb, paths)
    for error in result.errors:
        click.echo(f"error: {error}", err=True)
    if not result.cases and not result.errors:  # a folder without case files measures nothing
        click.echo(f"error: no case files found in {' '.join(paths)}", err=True)
    never = result.never_fired(state.kb)
    total = len(state.kb.rules)
    click.echo(f"{result.cases} cases: {total - len(never)}/{total} rules fired at least once "
               f"({(total - len(never)) / total:.0%})")
    unanswered = result.never_answered(state.kb)
    if unanswered:
        click.echo("questions never answered: " + ", ".join(unanswered))
    if never:
        click.echo(f"rules never fired ({len(never)}):")
        for rule_id in never[:show]:
            rule = state.kb.rule(rule_id)
            click.echo(f"  {rule_id}  [{rule.file.rsplit('/', 1)[-1]}] {rule.title}")
        if len(never) > show:
            click.echo(f"  ... and {len(never) - show} more (--show N)")
    if result.errors or not result.cases:
        sys.exit(EXIT_BAD_INPUT)


@kb.command("graph")
@click.argument("output", type=click.Path(dir_okay=False))
@pass_state
@handle_errors
def kb_graph(state: State, output: str) -> None:
    """Write the knowledge base's dependency graph (questions -> rules -> facts -> rules).

    Example: ppp-expert kb graph kb.svg
    """
    from ppp_expert.kb.graph import build_kb_graph
    from ppp_expert.render.graphs import write_graph

    path = write_graph(build_kb_graph(state.kb), output)
    click.echo(f"knowledge-base graph written to {path}", err=True)


def _register_commands() -> None:
    from ppp_expert.cli.ask import ask
    from ppp_expert.cli.batch import batch

    for command in (ask, batch):  # defined in their own modules: the same one-line errors, never a traceback
        command.callback = handle_errors(command.callback)
        main.add_command(command)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()

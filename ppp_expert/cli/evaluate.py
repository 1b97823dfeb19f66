"""`ppp-expert evaluate` and `ppp-expert explain`: advice for one case file and its reasons."""

from __future__ import annotations

import click

from ppp_expert.cli.common import (
    CliState,
    check_graph_target,
    echo_lines,
    evaluate_file,
    handle_errors,
    pass_state,
    write_graph_note,
)


@click.command()
@click.argument("case_path", metavar="CASE", type=click.Path(readable=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: readable advice; json: the result contract (one line).")
@click.option("--full", is_flag=True, default=False,
              help="After the one-screen summary, print every section: reasons, ranking, risk matrix with "
                   "rationale, structuring, governance, procurement, implementation, red flags.")
@click.option("--sweep/--no-sweep", default=True, show_default=True,
              help="Say in the summary whether a single change of answer flips the verdict or the model "
                   "(tries every alternative answer; a fraction of a second).")
@click.option("--graph", type=click.Path(readable=False), default=None,
              help="Also write the explanation graph (.dot .svg .png .graphml .json).")
@click.option("--focus", "focus_on", default=None, metavar="CONCLUSION",
              help="Draw only what leads to one conclusion (e.g. model, verdict, risk:demand).")
@pass_state
@handle_errors
def evaluate(state: CliState, case_path: str, fmt: str, full: bool, sweep: bool, graph: str | None,
             focus_on: str | None) -> None:
    """Evaluate a case file (YAML or JSON) and print the advice: one screen with the bottom line,
    or every section with --full.

    Example: ppp-expert evaluate cases/ireland-national-broadband-plan.yaml --graph out.svg
    """
    from ppp_expert.errors import CaseError

    if focus_on is not None and not graph:  # before any work: nothing printed, then refused
        raise CaseError("--focus needs --graph FILE", field="--focus")
    check_graph_target(graph)
    case, trace, advice = evaluate_file(state, case_path)
    drawn = None
    if graph:  # an unknown --focus fails here, before the advice is printed
        from ppp_expert.advice.explain import build_graph, focus

        drawn = build_graph(state.kb, trace, advice)
        if focus_on is not None:
            drawn = focus(drawn, focus_on, option="--focus")
    if fmt == "json":
        click.echo(advice.to_json())
    else:
        from ppp_expert.advice.summary import summarise
        from ppp_expert.render.summary_panel import summary_panel
        from ppp_expert.render.text import make_console, print_advice

        swept = None
        if sweep:
            from ppp_expert.advice.sensitivity import sweep as run_sweep

            swept = run_sweep(state.kb, case.id, case.answers, trace)
        console = make_console()
        title = case.title or case.id
        console.print(summary_panel(summarise(state.kb, advice, case.answers, swept), title))
        if full:
            print_advice(advice, state.kb, console, title=title)
        else:
            console.print("More: add --full for every section, or write a memo with ppp-expert report.",
                          style="dim", markup=False)
    if graph:
        write_graph_note(drawn, graph)


@click.command()
@click.argument("case_path", metavar="CASE", type=click.Path(readable=False))
@click.option("--how", "how_target", default=None, metavar="CONCLUSION",
              help="Explain how a conclusion was reached: verdict, model, a risk id, a red flag id, a fact, "
                   "or topic:key such as structuring:term_years.")
@click.option("--why-not", "why_not_model", default=None, metavar="CLAIM",
              help="Explain why something was not concluded: a model id, verdict=traditional, "
                   "risk:demand=private, red_flag:single_bidder, or structuring:payment_mechanism=user_fees.")
@click.option("--graph", type=click.Path(readable=False), default=None,
              help="Also draw the HOW chain as a graph (.dot .svg .png .graphml .json).")
@pass_state
@handle_errors
def explain(state: CliState, case_path: str, how_target: str | None, why_not_model: str | None,
            graph: str | None) -> None:
    """Explain the reasoning for a case: HOW a conclusion was reached (with the certainty-factor
    arithmetic for the verdict and the models), WHY-NOT any conclusion.

    Example: ppp-expert explain cases/linknyc-wifi-kiosks.yaml --how risk:demand --why-not joint_venture
    """
    from ppp_expert.errors import CaseError

    check_graph_target(graph)
    case, trace, advice = evaluate_file(state, case_path)
    if how_target is None and why_not_model is None:  # an empty --how '' is a target to refuse, not a default
        how_target = "model"
    claim = None
    if why_not_model is not None and why_not_model not in state.kb.models:
        from ppp_expert.advice.why_not import why_not_claim

        if not why_not_model.strip():
            raise CaseError("expected a model id or a claim such as risk:demand=private", field="--why-not")
        claim = why_not_claim(state.kb, trace, advice, why_not_model)  # a bad claim fails before any output
    if how_target is not None:
        from ppp_expert.advice.explain import arithmetic, build_graph, concluded, how, resolve_target
        from ppp_expert.render.explanations import how_lines

        g = build_graph(state.kb, trace, advice)
        lines = how(g, how_target)  # an unknown target fails before any output
        node = resolve_target(g, how_target)
        echo_lines(how_lines(concluded(g, how_target), case.id, lines + arithmetic(advice, node)))
        if graph:
            write_graph_note(g, graph, how_target, option="--how")
    if why_not_model is not None:
        from ppp_expert.advice.why_not import why_not
        from ppp_expert.render.explanations import claim_lines, why_not_lines

        if claim is not None:
            echo_lines(claim_lines(claim))
        else:
            echo_lines(why_not_lines(why_not(state.kb, trace, why_not_model), advice))

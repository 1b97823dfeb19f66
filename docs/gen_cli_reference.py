"""Write docs/cli.md, the command-line reference, from the click command tree of ``ppp-expert``,
and ppp_expert/help_pages.py, the top-level ``--help`` page the launcher prints without click.

    .venv/bin/python docs/gen_cli_reference.py           # rewrite both
    .venv/bin/python docs/gen_cli_reference.py --check   # exit 1 when either is stale

The page is built from the commands' own objects (names, help texts, parameters, types,
defaults), never from click's formatted ``--help`` output, so it reads the same whatever the
terminal width. tests/test_docs.py fails when the page differs from what this script writes now.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import click

OUTPUT = Path(__file__).resolve().parent / "cli.md"
HELP_PAGES = Path(__file__).resolve().parent.parent / "ppp_expert" / "help_pages.py"
#: The widths the launcher's copy covers: a pipe or an 80-column terminal, and one of 100 or more.
HELP_WIDTHS = (78, 98)
PROG = "ppp-expert"


def walk(group: click.Group, prefix: str = PROG) -> list[tuple[str, click.Command]]:
    """Every command under ``group``, depth first in name order, as (full name, command)."""
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        found.append((full, command))
        if isinstance(command, click.Group):
            found.extend(walk(command, full))
    return found


def slug(heading: str) -> str:
    """The anchor a Markdown host gives a heading (lower case, punctuation dropped, spaces to dashes)."""
    kept = "".join(ch for ch in heading.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def help_text(command: click.Command) -> str:
    text = inspect.cleandoc(command.help or "").split("\f")[0]
    return "\n".join(line for line in text.splitlines() if line.strip() != "\b").strip()


def cell(text: str) -> str:
    """Text for one table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def value_of(param: click.Parameter) -> str:
    """What an option takes: nothing for a flag, the choices, a metavar, or the type."""
    if isinstance(param, click.Option) and param.is_flag:
        return ""
    if param.metavar:
        return f"`{param.metavar}`"
    kind = param.type
    if isinstance(kind, click.Choice):
        return " | ".join(f"`{c}`" for c in kind.choices)
    if isinstance(kind, click.types._NumberRangeBase):
        base = "INTEGER" if isinstance(kind, click.IntRange) else "NUMBER"
        if kind.min is not None and kind.max is not None:
            return f"{base}, {kind.min} to {kind.max}"
        if kind.min is not None:
            return f"{base}, at least {kind.min}"
        return f"{base}, at most {kind.max}"
    if isinstance(kind, click.Path):
        return "PATH"
    return kind.name.upper()


def default_of(param: click.Option) -> str:
    default = param.default
    if default is None or callable(default) or type(default).__name__ == "Sentinel":
        return ""
    if param.is_flag:
        if param.secondary_opts:
            return f"`{param.opts[-1] if default else param.secondary_opts[-1]}`"
        return ""
    if param.multiple or isinstance(default, (list, tuple)):
        return ""
    return f"`{default}`"


def option_row(param: click.Option) -> str:
    names = ", ".join(f"`{o}`" for o in param.opts)
    if param.secondary_opts:
        names += " / " + ", ".join(f"`{o}`" for o in param.secondary_opts)
    notes = [param.help or ""]
    if param.multiple:
        notes.append("Repeatable.")
    if param.envvar:
        envvars = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar)
        notes.append("Environment: " + ", ".join(f"`{e}`" for e in envvars) + ".")
    if param.hidden:
        notes.append("Not shown by `--help` (a tuning knob).")
    note = " ".join(n for n in notes if n)
    return f"| {names} | {cell(value_of(param))} | {cell(default_of(param))} | {cell(note)} |"


def argument_line(param: click.Argument) -> str:
    name = param.make_metavar(click.Context(click.Command(PROG))) if not param.metavar else param.metavar
    many = param.nargs == -1
    need = "required" if param.required else "optional"
    return f"- `{name}`: {'one or more' if many and param.required else 'any number' if many else 'one'}, {need}"


def usage(name: str, command: click.Command) -> str:
    ctx = click.Context(command, info_name=name, **command.context_settings)  # as click makes it
    pieces = command.collect_usage_pieces(ctx)
    return " ".join([name, *pieces])


def section(name: str, command: click.Command, level: int) -> list[str]:
    lines = [f"{'#' * level} {name}", "", f"Usage: `{usage(name, command)}`", ""]
    text = help_text(command)
    if text:
        lines += ["```text", text, "```", ""]
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    options = [p for p in command.params if isinstance(p, click.Option)]
    if arguments:
        lines += ["Arguments:", "", *(argument_line(a) for a in arguments), ""]
    if options:
        lines += ["| Option | Value | Default | Meaning |", "|---|---|---|---|"]
        lines += [option_row(o) for o in options]
        lines.append("")
    if isinstance(command, click.Group):
        subs = sorted(command.commands)
        lines += ["Commands: " + ", ".join(f"[`{s}`](#{slug(f'{name} {s}')})" for s in subs) + ".", ""]
    return lines


def render(main: click.Group) -> str:
    commands = walk(main)
    help_opts = ", ".join(f"`{o}`" for o in main.context_settings.get("help_option_names", ["--help"]))
    lines = [
        "# Command-line reference",
        "",
        "<!-- Generated by docs/gen_cli_reference.py from the click command tree: do not edit by hand.",
        "     Regenerate with: .venv/bin/python docs/gen_cli_reference.py -->",
        "",
        f"Every command and option of `{PROG}`, with the help text each command prints. Every command",
        f"also takes {help_opts} (print its help and exit). Options of `{PROG}` itself, such as `--kb`,",
        f"go before the command name: `{PROG} --kb DIR evaluate CASE`. The other pages of this folder",
        "explain each use with examples; this page is the complete list.",
        "",
        "| Command | What it does |",
        "|---|---|",
    ]
    for name, command in commands:
        first = help_text(command).split("\n\n")[0].split(" Example: ")[0]
        lines.append(f"| [`{name}`](#{slug(name)}) | {cell(first)} |")
    lines.append("")
    lines += section(PROG, main, 2)
    for name, command in commands:
        lines += section(name, command, 2)
    return "\n".join(lines).rstrip("\n") + "\n"


def help_page(main: click.Group, width: int) -> str:
    """What ``ppp-expert --help`` prints when click wraps to ``width``."""
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["--help"], prog_name=PROG, terminal_width=width)
    if result.exit_code != 0:
        raise RuntimeError(f"ppp-expert --help failed: {result.output}")
    return result.output


def render_help_pages(main: click.Group) -> str:
    """The source of ppp_expert/help_pages.py: the top-level help at each width the launcher covers."""
    lines = [
        '"""The top-level ``ppp-expert --help`` page as click prints it, by wrapping width.',
        "",
        "Generated by docs/gen_cli_reference.py from the click command tree: do not edit by hand.",
        "The launcher prints these without importing click; tests/cli/test_launcher.py checks them.",
        '"""',
        "",
        "#: The group's max_content_width: click wraps to the terminal's width, at most this, less 2.",
        f"MAX_CONTENT_WIDTH = {main.context_settings['max_content_width']}",
        "#: The options that ask for the help page.",
        f"HELP_OPTIONS = {tuple(main.context_settings['help_option_names'])!r}",
        "",
        "PAGES: dict[int, str] = {",
    ]
    for width in HELP_WIDTHS:
        lines.append(f"    {width}: (")
        lines += [f"        {line!r}" for line in help_page(main, width).splitlines(keepends=True)]
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from ppp_expert.cli import main as cli

    args = sys.argv[1:] if argv is None else argv
    outputs = {OUTPUT: render(cli), HELP_PAGES: render_help_pages(cli)}
    if "--check" in args:
        stale = [path for path, text in outputs.items()
                 if (path.read_text(encoding="utf-8") if path.is_file() else "") != text]
        for path in stale:
            print(f"{path} is stale: run .venv/bin/python docs/gen_cli_reference.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

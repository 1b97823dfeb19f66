"""Commands imported when they are run, not when the program starts.

``ppp-expert --help`` and every command would otherwise pay for importing all eleven command
modules (and what they import) before doing anything. A ``LazyGroup`` knows each command by
``"module:attribute"`` and imports only the one asked for; its help lists the commands from
their one-line summaries kept in a table (``tests/cli/test_lazy.py`` checks the table against
the commands' own help, so the two cannot drift apart).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Iterator, MutableMapping

import click


class LazyCommands(MutableMapping[str, click.Command]):
    """A group's ``commands`` mapping whose values are imported on first access; the names are
    known without importing anything (``list_commands`` only needs the keys)."""

    def __init__(self, where: dict[str, str]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            if name not in self._where:
                raise KeyError(name)
            module, _, attribute = self._where[name].partition(":")
            self._loaded[name] = getattr(import_module(module), attribute)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command
        self._where.pop(name, None)

    def __delitem__(self, name: str) -> None:
        if name not in self._loaded and name not in self._where:
            raise KeyError(name)
        self._loaded.pop(name, None)
        self._where.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({*self._where, *self._loaded}))

    def __len__(self) -> int:
        return len({*self._where, *self._loaded})

    def loaded(self, name: str) -> bool:
        return name in self._loaded


class LazyGroup(click.Group):
    """A group whose commands are given as ``{name: ("module:attribute", one-line summary)}``."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands({name: where for name, (where, _) in lazy.items()})
        self.summaries = {name: summary for name, (_, summary) in lazy.items()}

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` from the summaries, importing no command module."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            commands = self.commands
            if isinstance(commands, LazyCommands) and not commands.loaded(name) and name in self.summaries:
                text = short_help(self.summaries[name], limit)
            else:
                command = self.get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                text = command.get_short_help_str(limit)
            rows.append((name, text))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def short_help(summary: str, limit: int) -> str:
    """The one line click would show for a command whose help starts with ``summary``."""
    return click.Command(None, help=summary).get_short_help_str(limit)

"""`ppp-expert batch` (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command()
def batch() -> None:
    """Not available yet."""
    raise click.ClickException("'batch' is not implemented yet")

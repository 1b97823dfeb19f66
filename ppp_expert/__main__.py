"""``python -m ppp_expert`` runs the command line."""

from .cli import main

main(prog_name="ppp-expert")

"""``python -m ppp_expert`` runs the command line."""

from ppp_expert.cli import main

main(prog_name="ppp-expert")

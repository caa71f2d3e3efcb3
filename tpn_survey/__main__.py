"""`python -m tpn_survey` runs the CLI."""

from tpn_survey.cli import main

main()

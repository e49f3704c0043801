"""`python -m facegate` is the `facegate` command."""

from facegate.cli import main

main()

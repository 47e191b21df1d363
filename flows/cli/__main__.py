"""`python -m flows.cli`: the `lakmoes` command without installing it."""

from flows.cli.main import entry

entry()

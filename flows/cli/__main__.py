"""`python -m flows.cli`: the `lakmoes` command without installing it."""

import sys

from flows.cli.main import main

sys.exit(main())

"""`python -m flows.cli ARGS`: the same as `iopdir ARGS`."""

import sys

from flows.cli.commands import main

sys.exit(main())

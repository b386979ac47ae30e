"""``python -m model``: the ``twitchdx`` command line."""

import sys

from .cli import main

sys.exit(main())

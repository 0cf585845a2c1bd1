"""``python -m ganime_core.cli``: the ``ganime`` command."""

import sys

from . import main

sys.exit(main())

"""``python -m qgate``."""

import sys

from qgate.cli.main import main

sys.exit(main())

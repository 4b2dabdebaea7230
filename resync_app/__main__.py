"""`python -m resync_app …`: the admin command line."""

import sys

from resync_app.cli import main

sys.exit(main())

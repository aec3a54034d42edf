"""``python -m pmtech`` is the same as the ``pmtech`` command."""

from pmtech.cli import main

raise SystemExit(main())

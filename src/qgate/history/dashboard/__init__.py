"""``qgate dashboard``: a static, self-contained HTML site over the history store.

:mod:`.data` reads what the pages show from the store (read only) into frozen models;
:mod:`.render` turns those models into pages (HTML with inline CSS and inline SVG charts drawn by
matplotlib) without touching the store, the network or the file system. Importing this package is cheap:
SQLAlchemy and matplotlib load only when the submodules are used.
"""

from __future__ import annotations

"""Real components that hands-on cells use: a generated SQLite shop, a loopback HTTP API,
a cache simulator. Everything runs offline, seeded, in seconds.

A lab whose result has a shape also draws it and says it in one line:
``plot_<what>(result)`` and ``summary_line(result)``, as described in ``figures.py``."""

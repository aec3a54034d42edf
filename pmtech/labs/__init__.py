"""Real components that hands-on cells use: a generated SQLite shop, a loopback HTTP API,
a cache simulator. Everything runs offline, seeded, in seconds."""

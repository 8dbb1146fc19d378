"""Use cases: one function per user intent, each in one unit of work. The only layer that commits."""

"""Runners drive the engine: threads in one process today, a task queue for scale-out."""

"""Running `flask digest ...` in tests through Flask's CLI runner."""

from __future__ import annotations


def run_ok(runner, *args: str) -> str:
    """Run a digest command that must succeed; its output."""
    result = runner.invoke(args=["digest", *args])
    assert result.exit_code == 0, result.output
    return result.output


def run_failing(runner, *args: str):
    """Run a digest command that must fail with one line; the result."""
    result = runner.invoke(args=["digest", *args])
    assert result.exit_code == 1, result.output
    return result

"""The systemd units under deploy/systemd run real digest commands and are valid units."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from digest.cli import digest_cli

UNITS = sorted((Path(__file__).resolve().parents[1] / "deploy" / "systemd").glob("*.service"))


def exec_start(unit: Path) -> list[str]:
    line = next(x for x in unit.read_text().splitlines() if x.startswith("ExecStart="))
    return shlex.split(line.removeprefix("ExecStart="))


def test_every_process_has_a_unit():
    commands = {" ".join(exec_start(unit)[1:2]) for unit in UNITS}
    assert {"scheduler", "worker", "inbound"} <= commands
    assert any(exec_start(unit)[0].endswith("/gunicorn") for unit in UNITS)


@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_each_unit_runs_a_digest_command_as_its_own_user(app, unit):
    command = exec_start(unit)
    if command[0].endswith("/digest"):
        assert command[1] in digest_cli.commands
    text = unit.read_text()
    assert "User=digest" in text and "EnvironmentFile=/etc/digest/digest.env" in text


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not here")
@pytest.mark.parametrize("unit", UNITS, ids=lambda unit: unit.name)
def test_systemd_finds_nothing_wrong_but_the_missing_install(unit):
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True
    )
    problems = [
        line
        for line in done.stderr.splitlines()
        if "/opt/digest/bin" not in line and "No such file" not in line
    ]
    assert problems == []

"""The `digest` command from an installed environment: the wheel built from this checkout,
installed into a fresh virtual environment, run from an unrelated directory with nothing but
DIGEST_* settings, as an operator runs it.

The new environment takes its third-party packages from the test's own environment (a .pth
file), so the test downloads nothing; digest itself, its templates, static files and
migrations come from the wheel alone.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.support.pipeline import write_articles, write_subscribers

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    subprocess.run([sys.executable, "-c", "import hatchling"], capture_output=True).returncode,
    reason="building the wheel needs hatchling (requirements-dev.lock)",
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a new environment with the wheel installed."""
    base = tmp_path_factory.mktemp("installed")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(base / "dist"), "."]
    subprocess.run(build, cwd=ROOT, check=True, capture_output=True, timeout=300)
    wheel = next((base / "dist").glob("digest-*.whl"))
    env = base / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = [*pip, "--python", str(python), "install", "--no-deps", str(wheel)]
    subprocess.run(install, check=True, capture_output=True, timeout=300)
    return env / "bin"


def digest(bin_dir: Path, cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "DIGEST_ENV": "development", **settings}
    return subprocess.run(
        [bin_dir / "digest", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_wheel_carries_templates_static_files_and_migrations(installed, tmp_path):
    where = [installed / "python", "-c", "import digest; print(digest.__file__)"]
    clean = {"PATH": "/usr/bin:/bin"}  # no PYTHONPATH leading back to this checkout
    done = subprocess.run(
        where, cwd=tmp_path, env=clean, capture_output=True, text=True, check=True
    )
    site = Path(done.stdout.strip()).parent
    assert (site / "templates" / "email" / "digest.mjml.j2").is_file()
    assert (site / "static" / "css" / "site.css").is_file()
    assert (site / "migrations" / "env.py").is_file()
    assert not str(site).startswith(str(ROOT))  # the installed copy, not this checkout


def test_an_operator_runs_every_step_with_the_digest_command(installed, tmp_path, smtp_server):
    work = tmp_path / "elsewhere"
    work.mkdir()
    settings = {
        "DIGEST_DATABASE_URL": f"sqlite:///{tmp_path / 'db' / 'digest.sqlite3'}",
        "DIGEST_SMTP_PORT": str(smtp_server.port),
        "DIGEST_BASE_URL": "https://news.example.org",
    }

    def ok(*args: str) -> str:
        done = digest(installed, work, *args, **settings)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    assert "send" in ok("--help") and "db" in ok("--help")
    ok("db", "upgrade")
    ok("newsletter", "create", "city", "--title", "City Digest")
    ok("import", str(write_articles(tmp_path / "articles")), "--newsletter", "city")
    ok("subscribers", "import", str(write_subscribers(tmp_path / "s.csv")), "--newsletter", "city")
    edition = ok("build", "city").strip().splitlines()[-1]
    ok("preview", edition, "--html", str(tmp_path / "p.html"), "--text", str(tmp_path / "p.txt"))
    ok("send", edition)
    assert len(smtp_server.received) == 3
    body = smtp_server.received[0].message.get_body(("plain",)).get_content()
    assert "https://news.example.org/unsubscribe/" in body
    assert "Harbour Bridge" in (tmp_path / "p.html").read_text()


def test_a_bad_argument_is_one_line_and_a_failure(installed, tmp_path):
    settings = {"DIGEST_DATABASE_URL": f"sqlite:///{tmp_path / 'digest.sqlite3'}"}
    done = digest(installed, tmp_path, "send", "not-a-number", **settings)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[-1].startswith("Error: Invalid value for 'EDITION_ID'")
    assert "Traceback" not in done.stderr


def test_a_fresh_install_keeps_its_database_in_its_own_instance_folder(installed, tmp_path):
    done = digest(installed, tmp_path, "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert (installed.parent / "var" / "digest-instance" / "digest.sqlite3").is_file()
    assert not any(tmp_path.iterdir())  # nothing written where the command was run


def test_help_works_before_anything_is_set_and_commands_say_what_is_missing(installed, tmp_path):
    bare = {"PATH": "/usr/bin:/bin"}  # a fresh install: no DIGEST_* setting at all

    def run(*args: str) -> subprocess.CompletedProcess:
        command = [installed / "digest", *args]
        return subprocess.run(command, cwd=tmp_path, env=bare, capture_output=True, text=True)

    helped = run("--help")
    assert helped.returncode == 0
    assert "send" in helped.stdout and "scheduler" in helped.stdout
    assert "DIGEST_SECRET_KEY must be set" in helped.stderr
    refused = run("send", "1")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "digest: DIGEST_SECRET_KEY must be set (or DIGEST_ENV=development for the demo)"
    ]

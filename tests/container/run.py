"""`make container-test`: digest's Dockerfile and compose.yaml, built and run with podman.

No image registry is reachable where this runs, so the pieces come from Debian and the package
registry: podman and podman-compose from apt; a base image made with debootstrap (kept, as
localhost/debian-py:bookworm, for the next run); the runtime lock's files downloaded on the host
into the build context's wheels/ (the offline build); stand-ins for postgres:15 and redis:7
built from Debian's packages (services.Containerfile), swapped in by compose.local.yaml. The
topology is compose.yaml itself, with digest.env made from digest.env.example.

podman-compose 1.0.3 ignores depends_on conditions and podman runs no health checks without
systemd, so this script enacts compose.yaml's conditions in their order: db and redis healthy
(their own health checks, run by hand), migrate exits 0, then `up -d` for the rest.

It needs root (apt-get, rootful podman). Everything it makes is named digest-ctest*; it removes
all of it at the end except the cached images (`make container-clean` removes those too).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "digest-ctest"
IMAGE = "localhost/digest-ctest:latest"
BASE = "localhost/debian-py:bookworm"
STAND_INS = {
    "postgres": "localhost/digest-ctest-postgres:15",
    "redis": "localhost/digest-ctest-redis:7",
}
CACHED = [BASE, *STAND_INS.values()]
TOOLS = ["podman", "podman-compose", "debootstrap", "runc"]  # each a command and its package
# podman's defaults fail on these machines (see shared/CONTAINERS.md): crun refuses the raised
# limits and the hybrid cgroup layout.
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
"""
DIGEST_SERVICES = ["web", "scheduler", "worker", "inbound"]


class Failed(Exception):
    """A check that did not hold, with what was seen."""


class Run:
    """One run: its scratch folder, the environment podman gets, the timings of its steps."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.context = scratch / "context"
        self.timings: list[tuple[str, float]] = []
        self.started = 0.0  # when the whole topology was up
        conf = scratch / "containers.conf"
        conf.write_text(CONTAINERS_CONF)
        self.web_port, self.inbound_port = free_port(), free_port()
        self.env = {
            **os.environ,
            "CONTAINERS_CONF": str(conf),
            "DIGEST_IMAGE": IMAGE,
            "WEB_PORT": f"127.0.0.1:{self.web_port}",
            "INBOUND_PORT": f"127.0.0.1:{self.inbound_port}",
        }

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        print(f"== {name}", flush=True)
        started = time.monotonic()
        yield
        seconds = time.monotonic() - started
        self.timings.append((name, seconds))
        print(f"   {seconds:.1f} s", flush=True)

    def sh(self, *args: str, timeout: float = 600, check: bool = True, **kw) -> str:
        """A command's output; a failure shows the command and the end of what it said."""
        try:
            done = subprocess.run(
                args, env=self.env, capture_output=True, text=True, timeout=timeout, **kw
            )
        except subprocess.TimeoutExpired:
            raise Failed(f"{' '.join(args)} still running after {timeout:.0f} s") from None
        if check and done.returncode:
            said = (done.stdout + done.stderr).strip().splitlines()[-40:]
            raise Failed(f"{' '.join(args)} exited {done.returncode}:\n" + "\n".join(said))
        return done.stdout

    def podman(self, *args: str, **kw) -> str:
        return self.sh("podman", *args, **kw)

    def compose(self, *args: str, **kw) -> str:
        files = ["-f", "compose.yaml", "-f", "tests/container/compose.local.yaml"]
        return self.sh("podman-compose", "-p", PROJECT, *files, *args, cwd=self.context, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def container(service: str, number: int = 1) -> str:
    return f"{PROJECT}_{service}_{number}"


# -- the tools, the base image, the build context, the images ------------------------------


def install_tools(run: Run) -> None:
    missing = [package for package in TOOLS if not shutil.which(package)]
    if missing:
        run.env["DEBIAN_FRONTEND"] = "noninteractive"
        run.sh("apt-get", "update", "-qq")
        run.sh("apt-get", "install", "-y", "-qq", *missing)
    print(f"   {'installed ' + ' '.join(missing) if missing else 'all there'}")


def debian_mirror() -> str:
    """The Debian mirror of this machine's apt sources (bookworm, not security)."""
    sources = Path("/etc/apt")
    for path in [sources / "sources.list", *sorted((sources / "sources.list.d").glob("*"))]:
        text = path.read_text() if path.is_file() else ""
        for uri, suites in source_entries(text, deb822=path.suffix == ".sources"):
            if "bookworm" in suites and "security" not in uri:
                return uri
    return "http://deb.debian.org/debian"


def source_entries(text: str, deb822: bool) -> Iterator[tuple[str, list[str]]]:
    if deb822:
        for stanza in text.split("\n\n"):
            fields = dict(line.split(":", 1) for line in stanza.splitlines() if ":" in line[:20])
            if "deb" in fields.get("Types", "").split() and fields.get("URIs"):
                yield fields["URIs"].split()[0], fields.get("Suites", "").split()
        return
    for line in text.splitlines():
        words = [w for w in line.split() if not w.startswith("[")]
        if len(words) >= 3 and words[0] == "deb":
            yield words[1], words[2:3]


def build_base(run: Run) -> None:
    if image_exists(run, BASE):
        print(f"   {BASE} is cached")
        return
    rootfs, mirror = run.scratch / "rootfs", debian_mirror()
    packages = "--include=python3,python3-venv,ca-certificates"
    debootstrap = ["debootstrap", "--variant=minbase", packages, "bookworm", str(rootfs), mirror]
    run.sh(*debootstrap, timeout=900)
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    run.sh("podman", "import", "-", BASE, stdin=tar.stdout)
    tar.wait()
    shutil.rmtree(rootfs)
    print(f"   {BASE} made from {mirror}")


def image_exists(run: Run, name: str) -> bool:
    return subprocess.run(["podman", "image", "exists", name], env=run.env).returncode == 0


def copy_checkout(run: Run) -> None:
    """The build context as a clone would have it (untracked files too, ignored ones not)."""
    listed = run.sh("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = run.context / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def fill_wheelhouse(run: Run) -> None:
    """`make wheels`, into the copied context: what the image installs, downloaded here."""
    wheels, pip = run.context / "wheels", [sys.executable, "-m", "pip", "--quiet"]
    locks = ["-r", "requirements-pip.lock", "-r", "requirements.lock"]
    run.sh(*pip, "download", *locks, "-d", str(wheels), cwd=ROOT)
    builders = ["-c", "requirements-dev.lock", "hatchling", "setuptools", "wheel"]
    run.sh(*pip, "download", *builders, "-d", str(wheels), cwd=ROOT)
    print(f"   {len(list(wheels.glob('*.*')))} files in wheels/")


def build_images(run: Run) -> None:
    build = ["build", "--format", "docker", "--build-arg", f"BASE={BASE}"]  # docker: HEALTHCHECK
    run.podman(*build, "-t", IMAGE, str(run.context), timeout=1200)
    here = run.context / "tests" / "container"
    stand_ins = [*build, "-f", str(here / "services.Containerfile")]
    for target, name in STAND_INS.items():
        run.podman(*stand_ins, "--target", target, "-t", name, str(here))
    size = run.podman("image", "inspect", "--format", "{{.Size}}", IMAGE).strip()
    print(f"   {IMAGE}: {int(size) / 1e6:.0f} MB")


# -- the topology ---------------------------------------------------------------------------


def write_settings(run: Run) -> None:
    """digest.env as an operator makes it: the example with its CHANGE values changed."""
    lines = (run.context / "digest.env.example").read_text().splitlines()
    password = secrets.token_urlsafe(16)
    settings = [
        f"DIGEST_SECRET_KEY={secrets.token_urlsafe(32)}"
        if line.startswith("DIGEST_SECRET_KEY=")
        else line.replace("CHANGE-this-database-password", password)
        for line in lines
    ]
    (run.context / "digest.env").write_text("\n".join(settings) + "\n")


def start_topology(run: Run) -> None:
    """compose.yaml's order: db and redis healthy, migrate exits 0, then everything."""
    write_settings(run)
    run.compose("up", "-d", "--no-build", "db", "redis")
    for service in ("db", "redis"):
        wait_for(lambda s=service: is_healthy(run, container(s)), 120, f"{service} healthy")
    run.compose("up", "-d", "--no-build", "migrate")
    expect_migrated(run)
    run.compose("up", "-d", "--no-build")  # starts migrate again, as `up` does: a no-op upgrade


def wait_for(condition: Callable[[], bool], seconds: float, what: str, seen=lambda: "") -> None:
    """Until condition() holds; after `seconds`, Failed naming `what` and what seen() says."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise Failed(f"no {what} after {seconds:.0f} s\n{seen()}")
        time.sleep(1)


def is_healthy(run: Run, name: str) -> bool:
    """The container's own health check, run now (nothing runs it on schedule here)."""
    done = subprocess.run(["podman", "healthcheck", "run", name], env=run.env, capture_output=True)
    return done.returncode == 0


def expect_migrated(run: Run) -> None:
    code = run.podman("wait", container("migrate"), timeout=300).strip()
    if code != "0":
        raise Failed(f"migrate exited {code}:\n{logs(run, 'migrate')}")


def logs(run: Run, service: str, number: int = 1, lines: int = 30) -> str:
    """The last `lines` a container wrote (all of them with lines=-1)."""
    name = container(service, number)
    tail = ["podman", "logs", "--tail", str(lines), name]
    done = subprocess.run(tail, env=run.env, capture_output=True, text=True)
    return f"--- {name}:\n{done.stdout}{done.stderr}"


def http_get(run: Run, path: str) -> tuple[int, str]:
    """Status and body from the web service's published port; 0 when nothing answers."""
    try:
        url = f"http://127.0.0.1:{run.web_port}{path}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except (OSError, urllib.error.URLError):
        return 0, ""


# -- the checks: each says what held, or raises Failed ---------------------------------------


def check_web_answers(run: Run) -> str:
    """/healthz through the published port, as soon as gunicorn serves."""
    seen = [0]
    wait_for(
        lambda: seen.append(http_get(run, "/healthz")[0]) or seen[-1] == 200,
        90,
        "200 from /healthz",
        lambda: f"last status {seen[-1]}\n{logs(run, 'web')}",
    )
    return "GET /healthz: 200 on the published port"


def check_health_checks(run: Run) -> str:
    """compose.yaml's own health checks of db, redis, web and inbound pass."""
    services = ["db", "redis", "web", "inbound"]
    failing = [s for s in services if not is_healthy(run, container(s))]
    if failing:
        raise Failed(f"unhealthy: {', '.join(failing)}")
    return f"healthy: {', '.join(services)}"


def check_readyz(run: Run) -> str:
    """Ready: the database answers at the newest migration, a scheduler holds its lease, the
    broker answers (the scheduler may take a few seconds more than the web to start)."""
    seen = [(0, "")]
    wait_for(
        lambda: seen.append(http_get(run, "/readyz")) or seen[-1][0] == 200,
        60,
        "200 from /readyz",
        lambda: f"last: {seen[-1][0]} {seen[-1][1][:300]}",
    )
    return "GET /readyz: 200 (database, migrations, scheduler lease, broker)"


def check_cli_in_the_web_container(run: Run) -> str:
    create = ["digest", "newsletter", "create", "ctest", "--title", "Container test"]
    said = run.podman("exec", container("web"), *create)
    status, body = http_get(run, "/subscribe/ctest")
    if "created newsletter ctest" not in said or status != 200 or "Container test" not in body:
        raise Failed(f"digest newsletter create said {said!r}; GET /subscribe/ctest: {status}")
    return "`digest newsletter create` in web's container; the web serves it from PostgreSQL"


def check_image_alone_with_sqlite(run: Run) -> str:
    """The image without compose: SQLite in the data volume, read-only root, `digest --help`."""
    key = f"DIGEST_SECRET_KEY={secrets.token_urlsafe(16)}"
    volume = f"{PROJECT}_sqlite:/var/lib/digest"
    alone = ["run", "--rm", "--no-healthcheck", "--read-only", "-e", key, "-v", volume, IMAGE]
    run.podman(*alone, "digest", "db", "upgrade", timeout=180)
    listing = run.podman(*alone, "digest", "--help", timeout=120)
    commands = ("db", "scheduler", "worker", "inbound", "send")
    missing = [c for c in commands if f"  {c} " not in listing]
    if missing:
        raise Failed(f"`digest --help` lists no {missing}:\n{listing}")
    return "`digest db upgrade` and `digest --help` in a read-only container, SQLite in the volume"


def check_inbound_receives(run: Run) -> str:
    try:
        with smtplib.SMTP("127.0.0.1", run.inbound_port, timeout=20) as smtp:
            smtp.ehlo("ctest.example.org")
            smtp.mail("mailer-daemon@example.net")
            stranger, _ = smtp.rcpt("somebody@example.org")
            bounces, _ = smtp.rcpt("bounces@example.org")
    except (OSError, smtplib.SMTPException) as exc:
        raise Failed(f"SMTP on port {run.inbound_port}: {exc!r}\n{logs(run, 'inbound')}") from None
    if (stranger, bounces) != (550, 250):
        raise Failed(f"RCPT somebody: {stranger}, RCPT bounces: {bounces} (want 550, 250)")
    return "SMTP on the published port: the bounce address 250, anyone else 550"


def project_containers(run: Run, check: bool = True) -> list[str]:
    label = f"label=io.podman.compose.project={PROJECT}"
    return run.podman("ps", "-a", "--filter", label, "--format", "{{.Names}}", check=check).split()


def digest_containers(run: Run) -> list[str]:
    return [n for n in project_containers(run) if n.split("_")[1] in DIGEST_SERVICES]


def check_non_root_read_only(run: Run) -> str:
    bad = []
    for name in digest_containers(run):
        users = set(run.podman("top", name, "user").split()[1:])
        read_only = run.podman("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", name)
        if users != {"digest"} or read_only.strip() != "true":
            bad.append(f"{name}: users {sorted(users)}, read-only {read_only.strip()}")
    if bad or len(digest_containers(run)) != 5:
        raise Failed("; ".join(bad) or f"containers: {digest_containers(run)}")
    return "web, scheduler, 2 workers, inbound: every process user digest (10001), root read-only"


def check_long_runners_stay_up(run: Run) -> str:
    """scheduler and both workers started, and are still running with no restart 30 s on."""
    expected = {("scheduler", 1): "started as", ("worker", 1): " ready.", ("worker", 2): " ready."}
    for (service, number), said in expected.items():
        wait_for(
            lambda s=service, n=number, line=said: line in logs(run, s, n, lines=-1),
            90,
            f"{said.strip()!r} from {container(service, number)}",
            lambda s=service, n=number: logs(run, s, n),
        )
    time.sleep(max(0.0, run.started + 30 - time.monotonic()))
    state_format = "{{.State.Status}} {{.RestartCount}}"
    for service, number in expected:
        state = run.podman("inspect", "--format", state_format, container(service, number)).strip()
        if state != "running 0":
            raise Failed(f"{container(service, number)}: {state}\n{logs(run, service, number)}")
    return "scheduler holds its lease, 2 workers ready; all running, no restart, after 30 s"


CHECKS = [
    check_web_answers,
    check_health_checks,
    check_readyz,
    check_cli_in_the_web_container,
    check_inbound_receives,
    check_non_root_read_only,
    check_image_alone_with_sqlite,
    check_long_runners_stay_up,
]


def run_checks(run: Run) -> int:
    failed = 0
    for check in CHECKS:
        name = check.__name__.removeprefix("check_").replace("_", " ")
        try:
            print(f"   ok   {name}: {check(run)}", flush=True)
        except Failed as exc:
            failed += 1
            print(f"   FAIL {name}: {exc}", flush=True)
    return failed


# -- removing what the run made -------------------------------------------------------------


def remove(run: Run, cached_too: bool = False) -> None:
    """Everything named digest-ctest* (and with cached_too the cached images): by name."""
    if not shutil.which("podman"):
        return
    if shutil.which("podman-compose") and (run.context / "compose.yaml").is_file():
        run.compose("down", "-v", check=False, timeout=300)
    names = project_containers(run, check=False)
    if names:
        run.podman("rm", "-f", *names, check=False)
    for volume in ("db-data", "redis-data", "sqlite"):
        run.podman("volume", "rm", "-f", f"{PROJECT}_{volume}", check=False)
    run.podman("network", "rm", "-f", f"{PROJECT}_default", check=False)
    images = [*built_on_base(run), *CACHED, IMAGE] if cached_too else [IMAGE]
    for image in images:
        if image_exists(run, image):
            run.podman("rmi", "-f", image, check=False)


def built_on_base(run: Run) -> list[str]:
    """The images whose ancestry reaches the base image (only this test builds on it): podman's
    layer cache of the builds. The base itself goes last."""
    ids = run.podman("images", "-a", "-q", "--no-trunc", check=False).split()
    if not image_exists(run, BASE) or not ids:
        return []
    lineage = ["image", "inspect", "--format", "{{.Id}} {{.Parent}}", *ids]
    parents = dict(line.split(" ", 1) for line in run.podman(*lineage, check=False).splitlines())
    base = run.podman("image", "inspect", "--format", "{{.Id}}", BASE).strip()

    def depth(image: str) -> int | None:  # generations below the base; None: not built on it
        steps = 0
        while image and image != base:
            image, steps = parents.get(image, ""), steps + 1
        return steps if image == base else None

    below = {image: depth(image) for image in parents}
    found = [image for image, steps in below.items() if steps is not None]
    return sorted(found, key=lambda image: -below[image])  # children before their parents


def print_timings(run: Run) -> None:
    total = sum(seconds for _, seconds in run.timings)
    print("timings:")
    for name, seconds in run.timings:
        print(f"   {seconds:7.1f} s  {name}")
    print(f"   {total:7.1f} s  in all")


def build_and_check(run: Run) -> int:
    """The number of checks that failed; Failed when the topology could not be built or started."""
    with run.step("tools: podman, podman-compose, debootstrap, runc"):
        install_tools(run)
    remove(run)  # what an interrupted run left
    with run.step(f"base image {BASE}"):
        build_base(run)
    with run.step("build context: this checkout and a wheelhouse"):
        copy_checkout(run)
        fill_wheelhouse(run)
    with run.step("images: digest (offline, local base), postgres and redis stand-ins"):
        build_images(run)
    with run.step("compose up: db, redis healthy; migrate; web, scheduler, workers, inbound"):
        start_topology(run)
        run.started = time.monotonic()
    with run.step("checks"):
        return run_checks(run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the topology running")
    parser.add_argument("--clean", action="store_true", help="remove cached images too, then stop")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("container-test needs root: apt-get and rootful podman", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="digest-ctest-") as scratch:
        run = Run(Path(scratch))
        if args.clean:
            remove(run, cached_too=True)
            return 0
        try:
            failed = build_and_check(run)
        except Failed as exc:
            print(f"   FAIL {exc}")
            failed = len(CHECKS)
        finally:
            if args.keep:
                print(f"left running: project {PROJECT}, web on {run.env['WEB_PORT']}; the next")
                print("run (or `make container-clean`) removes it")
            else:
                with run.step("remove what the run made"):
                    remove(run)
            print_timings(run)
    print(f"container: {len(CHECKS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

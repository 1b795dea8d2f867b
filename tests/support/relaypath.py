"""A slow network path on one machine, for sending through a distant relay.

This kernel has no netem, so the delay is made by hand: two network namespaces, a TUN device
in each, and a forwarder process that moves every IP packet from one device to the other after
holding it `one_way_ms` (a heap ordered by due time). TCP then sees a real round trip of twice
that, ACKs and windows included.

    with RelayPath(one_way_ms=10) as path:                 # RTT 20 ms
        path.start_smtp_sink(port=2525)                     # listens on RELAY_ADDRESS
        with path.sender_side():                            # sockets made here cross the path
            client = smtplib.SMTP(RELAY_ADDRESS, 2525)
        subprocess.run(path.in_sender(["python", ...]))     # a whole process on the sender side

Needs root, /dev/net/tun and `ip` (`unavailable_reason()` says which is missing). Every
namespace and process it made is removed on exit, also when building it failed half-way.
Run as a script, this file is the forwarder (standard library only).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import heapq
import itertools
import os
import select
import shutil
import signal
import smtplib
import socket
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Iterator

SENDER_ADDRESS = "10.77.0.1"
RELAY_ADDRESS = "10.77.0.2"
DEVICE = "slow0"
MTU = 65535  # like loopback: a 62 KB message is one or two packets
IP = shutil.which("ip") or "/usr/sbin/ip"
SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"

CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
PR_SET_PDEATHSIG = 1


class PathUnavailable(Exception):
    """The path cannot be built here (no root, no TUN device, no `ip`, namespaces refused)."""


def unavailable_reason() -> str | None:
    """Why no path can be built on this machine, or None when it can."""
    if os.geteuid() != 0:
        return "needs root (network namespaces and TUN devices)"
    if not os.access("/dev/net/tun", os.R_OK | os.W_OK):
        return "no /dev/net/tun"
    if not os.access(IP, os.X_OK):
        return "the ip command (iproute2) is not installed"
    return None


class RelayPath:
    """A sender namespace and a relay namespace, `2 x one_way_ms` apart."""

    def __init__(self, one_way_ms: float, tag: str = "digest-bench") -> None:
        self.one_way_ms = one_way_ms
        self.sender = f"{tag}-snd-{os.getpid()}"
        self.relay = f"{tag}-rly-{os.getpid()}"
        self._namespaces: list[str] = []  # the ones this object created, deleted by name
        self._processes: list[subprocess.Popen] = []  # forwarder first, then servers

    @property
    def rtt_ms(self) -> float:
        return 2 * self.one_way_ms

    def __enter__(self) -> RelayPath:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _build(self) -> None:
        ends = []
        for name, local, peer in (
            (self.sender, SENDER_ADDRESS, RELAY_ADDRESS),
            (self.relay, RELAY_ADDRESS, SENDER_ADDRESS),
        ):
            _ip("netns", "add", name)
            self._namespaces.append(name)
            ends.append(_open_tun(name))
            _ip("-n", name, "link", "set", "lo", "up")
            _ip("-n", name, "link", "set", DEVICE, "mtu", str(MTU), "up")
            _ip("-n", name, "addr", "add", local, "peer", peer, "dev", DEVICE)
        try:
            forwarder = [sys.executable, "-I", __file__, *map(str, ends), str(self.one_way_ms)]
            self._processes.append(subprocess.Popen(forwarder, pass_fds=ends))
        finally:
            for fd in ends:  # the forwarder holds them now; the devices live as long as it does
                os.close(fd)

    def close(self) -> None:
        """Stop what was started in the path, then delete the namespaces by name."""
        for process in reversed(self._processes):
            _stop(process)
        self._processes.clear()
        for name in self._namespaces:
            subprocess.run([IP, "netns", "delete", name], capture_output=True, check=False)
        self._namespaces.clear()

    def in_sender(self, command: list[str]) -> list[str]:
        """`command` run inside the sender's namespace."""
        return [IP, "netns", "exec", self.sender, *command]

    def start_in_relay(self, command: list[str]) -> subprocess.Popen:
        """A process inside the relay's namespace, stopped when the path closes."""
        process = subprocess.Popen(
            [IP, "netns", "exec", self.relay, *command], stdout=subprocess.DEVNULL
        )
        self._processes.append(process)
        return process

    def start_smtp_sink(self, port: int = 2525) -> None:
        """Postfix's smtp-sink on the relay side: PIPELINING, no size limit, many connections."""
        address = f"{RELAY_ADDRESS}:{port}"
        self.start_in_relay([SMTP_SINK, "-u", "nobody", "-m", "1024", "-t", "300", address, "1024"])
        self.wait_for_port(port)

    @contextlib.contextmanager
    def sender_side(self) -> Iterator[None]:
        """This thread (and threads it starts) in the sender's namespace; sockets made here stay
        in it after the block."""
        with _entered(self.sender):
            yield

    def wait_for_port(self, port: int, seconds: float = 10.0) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                with self.sender_side():
                    socket.create_connection((RELAY_ADDRESS, port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise PathUnavailable(f"nothing listens on {RELAY_ADDRESS}:{port}") from None
                time.sleep(0.05)

    def noop_ms(self, port: int, count: int = 30) -> float:
        """The median NOOP round trip to the relay's SMTP server, in ms: the path's real RTT."""
        with self.sender_side():
            client = smtplib.SMTP(RELAY_ADDRESS, port, timeout=10)
        try:
            client.noop()  # the first one may wait for a delayed ACK
            times = []
            for _ in range(count):
                started = time.perf_counter()
                client.noop()
                times.append((time.perf_counter() - started) * 1000)
        finally:
            client.quit()
        return statistics.median(times)


def _ip(*args: str) -> None:
    done = subprocess.run([IP, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise PathUnavailable(f"ip {' '.join(args)}: {done.stderr.strip()}")


def _open_tun(namespace: str) -> int:
    """A TUN device named DEVICE, made inside `namespace`; its file descriptor."""
    with _entered(namespace):
        fd = os.open("/dev/net/tun", os.O_RDWR)
        try:
            fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", DEVICE.encode(), IFF_TUN | IFF_NO_PI))
        except OSError as exc:
            os.close(fd)
            raise PathUnavailable(f"TUNSETIFF in {namespace}: {exc}") from exc
    return fd


@contextlib.contextmanager
def _entered(namespace: str) -> Iterator[None]:
    """The calling thread in `namespace` (Python 3.11 has no os.setns), then back."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        target = os.open(f"/run/netns/{namespace}", os.O_RDONLY)
        try:
            _setns(libc, target, namespace)
        finally:
            os.close(target)
        try:
            yield
        finally:
            _setns(libc, home, "the original namespace")
    finally:
        os.close(home)


def _setns(libc, fd: int, what: str) -> None:
    if libc.setns(fd, CLONE_NEWNET) != 0:
        error = ctypes.get_errno()
        raise PathUnavailable(f"setns into {what}: {os.strerror(error)}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def forward(one: int, other: int, delay: float) -> None:
    """Move every packet read from either device to the other, `delay` seconds later."""
    peer = {one: other, other: one}
    due: list[tuple[float, int, int, bytes]] = []
    order = itertools.count()  # packets due at the same moment keep their order
    poller = select.epoll()
    for fd in peer:
        os.set_blocking(fd, False)
        poller.register(fd, select.EPOLLIN)
    while True:
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, fd, packet = heapq.heappop(due)
            with contextlib.suppress(OSError):  # a device going away at the end
                os.write(fd, packet)
        timeout = max(due[0][0] - now, 0.0) if due else -1
        for fd, _ in poller.poll(timeout):
            while True:
                try:
                    packet = os.read(fd, MTU + 64)
                except BlockingIOError:
                    break
                heapq.heappush(due, (time.monotonic() + delay, next(order), peer[fd], packet))


if __name__ == "__main__":
    # The forwarder ends with whoever started it, and with it the TUN devices.
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    forward(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000)

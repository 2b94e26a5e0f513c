"""Start the service as a user would: a ``guanxi serve`` subprocess on a free loopback port."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

# The benchmark's request bodies (a 100,000-contact bundle is ~50 MiB of JSON) exceed the default
# 32 MiB limit; the benchmark server gets this one instead (reported in the results).
BENCH_MAX_BODY_BYTES = 512 * 1024 * 1024


def guanxi_command() -> list[str]:
    """The installed ``guanxi`` console script next to this interpreter, else ``python -m app.cli``."""
    here = Path(sys.executable).parent / "guanxi"
    if here.exists():
        return [str(here)]
    found = shutil.which("guanxi")
    return [found] if found else [sys.executable, "-m", "app.cli"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def neo4j_uri() -> str | None:
    return os.environ.get("NEO4J_URI") or os.environ.get("GUANXI_NEO4J_URI") or None


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in bytes, from /proc/PID/status."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def running(pid: int) -> bool:
    """Whether process ``pid`` still runs: not when it has exited, even if no one has reaped it yet (a
    zombie, where the container's first process does not reap orphans)."""
    if not Path("/proc/self/stat").exists():     # no /proc: whether the pid is still taken
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


class Server:
    """``guanxi serve --host 127.0.0.1 --port P --data-dir D`` with an admin key in GUANXI_API_KEYS."""

    def __init__(self, data_dir: Path, log_path: Path, *, max_body_bytes: int = BENCH_MAX_BODY_BYTES,
                 startup_timeout: float = 60.0) -> None:
        self.data_dir, self.log_path = Path(data_dir), Path(log_path)
        self.max_body_bytes, self.startup_timeout = max_body_bytes, startup_timeout
        self.key = "bench_" + secrets.token_urlsafe(24)
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["GUANXI_API_KEYS"] = f"admin:{self.key}"
        env["GUANXI_MAX_BODY_BYTES"] = str(self.max_body_bytes)
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def start(self) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        cmd = [*guanxi_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--data-dir", str(self.data_dir)]
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"guanxi serve exited with {self.proc.returncode}; see {self.log_path}:\n"
                                   + self.log_tail())
            try:
                if httpx.get(self.url + "/ready", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"guanxi serve did not become ready in {self.startup_timeout:.0f} s; "
                           f"see {self.log_path}:\n" + self.log_tail())

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def memory(self) -> dict[str, int]:
        return proc_status(self.pid) if self.proc is not None else {}

    def client(self, timeout: float = 120.0) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout,
                            headers={"Authorization": f"Bearer {self.key}"})

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Server:  # noqa: PYI034 - not subclassed
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_cli(args: list[str], *, env: dict[str, str] | None = None, timeout: float = 1800) -> tuple[float, str]:
    """Run ``guanxi ARGS``; return the wall-clock seconds and its output. Raises on failure."""
    started = time.perf_counter()
    done = subprocess.run([*guanxi_command(), *args], check=False, env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"guanxi {' '.join(args[:2])} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return elapsed, done.stdout

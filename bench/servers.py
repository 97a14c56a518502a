"""The processes bench/run.py measures and a minimal HTTP client: gunicorn serving the app or the baseline on a
free port, its workers' memory, and a Browser that logs in over real HTTP."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
USER_AGENT = "quizapp-bench"
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')

# --- servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def pids(self) -> list[int]:
        """The gunicorn arbiter's workers."""
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in out.stdout.split()]


def start_gunicorn(
    name: str, app: str, env: dict[str, str], workers: int, logdir: Path, pythonpath: Path, threads: int = 1
) -> Server:
    port = free_port()
    log = logdir / f"{name}.log"
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--log-level",
        "warning",
        "--pythonpath",
        str(pythonpath),
        app,
    ]
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, proc, port, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            status, _h, _b = Browser(port).request("GET", "/healthz")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{name} did not start; its log ({log}):\n{log.read_text()[-3000:]}")


# --- a minimal browser ---------------------------------------------------------------------------


class Browser:
    """Real HTTP with a cookie jar and a fixed client address (X-Forwarded-For) and user agent, the
    same the wrk scenarios send, so Flask-Login's session protection sees one client."""

    def __init__(self, port: int, ip: str = "127.0.0.1") -> None:
        self.port, self.ip = port, ip
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": self.ip}
        if self.cookies:
            headers["Cookie"] = self.cookie_header
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            for value in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                cookie = rest.split(";", 1)[0]
                if cookie and "expires=Thu, 01 Jan 1970" not in value:
                    self.cookies[name.strip()] = cookie
                else:
                    self.cookies.pop(name.strip(), None)
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, text
        finally:
            conn.close()

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def csrf(self, path: str) -> str:
        status, _h, body = self.request("GET", path)
        match = CSRF.search(body)
        if status != 200 or not match:
            raise SystemExit(f"no CSRF token at {path} (status {status})")
        return match.group(1)

    def login(self, email: str, password: str) -> Browser:
        token = self.csrf("/auth/login")
        status, headers, _ = self.request(
            "POST", "/auth/login", {"csrf_token": token, "email": email, "password": password}
        )
        if status != 302 or "/auth/login" in headers.get("location", ""):
            raise SystemExit(f"could not log in as {email} (status {status})")
        return self


def rss_mb(pids: list[int]) -> float:
    """The largest resident set of these processes, in MB (Linux /proc; 0 where unreadable)."""
    largest = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+([0-9]+) kB", status, re.M)
        largest = max(largest, int(match.group(1)) if match else 0)
    return round(largest / 1024, 1)


class RssPeak:
    """The largest worker resident set while a scenario runs, sampled every 50 ms: a page that held
    all its rows in memory at once shows as a jump over the size before."""

    def __init__(self, pids: list[int]) -> None:
        self.pids, self.before, self.peak = pids, rss_mb(pids), 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pids))
            self._stop.wait(0.05)

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def drain(port: int, limit_s: float = 180) -> float:
    """Wait until the app answers /healthz quickly again: wrk leaves requests queued when it stops."""
    started = time.perf_counter()
    quick = 0
    while quick < 3 and time.perf_counter() - started < limit_s:
        t0 = time.perf_counter()
        try:
            Browser(port).request("GET", "/healthz")
        except OSError:
            pass
        quick = quick + 1 if time.perf_counter() - t0 < 0.05 else 0
        time.sleep(0.05)
    return time.perf_counter() - started

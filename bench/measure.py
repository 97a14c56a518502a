"""What bench/run.py measures a scenario with: wrk (bench/wrk/scenario.lua) for a fixed time, or one request
after another for a page that takes seconds; the figures of each as a dict."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from servers import ROOT, USER_AGENT, Browser

LUA = ROOT / "bench" / "wrk" / "scenario.lua"

# --- wrk -----------------------------------------------------------------------------------------


def lua(value: Any) -> str:
    """A Python value as a Lua literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid Lua
    if isinstance(value, list):
        return "{" + ", ".join(lua(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{json.dumps(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


@dataclass
class Scenario:
    name: str
    server: str  # "app" or "baseline"
    mode: str = "get"
    sessions: list[dict[str, Any]] = field(default_factory=list)
    expect: int = 200
    random_ip: bool = False
    flow: dict[str, Any] | None = None
    connections: int | None = None
    target: str | None = None  # what the issue asks of it
    paired: bool = False  # measure the template baseline again just before, for a ratio robust to drift
    sequential: int = 0  # a page too slow for a load test: time this many requests one after another
    secondary: bool = False  # not a hot page: half the scenario duration is enough for a stable figure
    check: Callable[[str], str | None] | None = None  # sequential: checks the first body, returns a problem
    # mode "once": made just before the run (the paired baseline included), returns the forms to post once each
    # and a check of the database afterwards
    prepare: Callable[[], Prepared] | None = None


@dataclass
class Prepared:
    items: list[dict[str, str]]  # cookie, ip, path, body, result (where a success redirects to)
    verify: Callable[[int, int], dict[str, Any]]  # (successes counted, connections) -> the database's view, "problem"


def run_wrk(
    scenario: Scenario,
    port: int,
    duration: int,
    connections: int,
    workdir: Path,
    items: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    data = {
        "mode": scenario.mode,
        "sessions": scenario.sessions or [{"cookie": "", "ip": "127.0.0.1", "paths": ["/"]}],
        "expect": scenario.expect,
        "random_ip": scenario.random_ip,
        "user_agent": USER_AGENT,
    }
    if scenario.flow:
        data["flow"] = scenario.flow
    if items is not None:
        data["items"], data["threads"] = items, connections
    path = workdir / "data.lua"
    path.write_text("return " + lua(data) + "\n")
    cmd = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{duration}s", "--timeout", "30s"]
    cmd += ["-s", str(LUA), f"http://127.0.0.1:{port}"]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "BENCH_DATA": str(path)})
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed for {scenario.name}:\n{out.stdout}\n{out.stderr}")
    raw = json.loads(line[len("WRKJSON ") :])
    seconds = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    raw["requests"] -= raw["extra"]  # mode "once": a thread out of forms may send one request that posts nothing
    result = {
        "scenario": scenario.name,
        "connections": connections,
        "seconds": round(seconds, 2),
        "requests": int(raw["requests"]),
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(lat["p50"] / 1000, 2),
        "p95_ms": round(lat["p95"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2),
        "max_ms": round(lat["max"] / 1000, 2),
        "socket_errors": int(raw["socket_errors"]),
        "status_errors": int(raw["status_errors"]),
        "unexpected": int(raw["unexpected"]),
        "bytes_per_response": round(raw["bytes"] / max(raw["requests"], 1)),
    }
    result["errors"] = result["socket_errors"] + max(result["status_errors"], result["unexpected"])
    if result["requests"] == 0:
        result["errors"] = max(result["errors"], connections)  # nothing answered within the run
    if scenario.mode == "once":
        # a thread that has posted all its forms stops: wrk's duration stays the whole run, so req/s is then a
        # lower bound, said so in the table
        result["forms"] = len(items or [])
        result["threads_out_of_forms"] = int(raw["ran_out"])
        if raw["ran_out"]:
            result["first_out_of_forms_s"] = round(raw["first_out_us"] / 1e6, 2)
    if scenario.mode == "flow":
        result["flows"] = int(raw["flows"])
        result["flows_per_s"] = round(raw["flows"] / seconds, 2)
        result["steps"] = {name: step_stats(samples, seconds) for name, samples in sorted(raw["steps"].items())}
    return result


def run_sequential(scenario: Scenario, port: int, budget_s: float) -> dict[str, Any]:
    """One request after another over real HTTP (a page that takes seconds): latency of each."""
    session = scenario.sessions[0]
    browser = Browser(port, session["ip"])
    browser.cookies = dict(pair.split("=", 1) for pair in session["cookie"].split("; ") if "=" in pair)
    times, errors, size, problem = [], 0, 0, None
    started = time.perf_counter()
    while len(times) < scenario.sequential and (not times or time.perf_counter() - started < budget_s):
        t0 = time.perf_counter()
        status, _h, body = browser.request("GET", session["paths"][0])
        times.append(time.perf_counter() - t0)
        errors += status != scenario.expect
        size = len(body.encode())
        if len(times) == 1 and scenario.check and status == scenario.expect:
            problem = scenario.check(body)
            errors += problem is not None
    ordered = sorted(times)

    def pct(p: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))], 2)

    return {
        "scenario": scenario.name,
        "connections": 1,
        "seconds": round(sum(times), 2),
        "requests": len(times),
        "rps": round(len(times) / sum(times), 2),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "max_ms": round(1000 * ordered[-1], 2),
        "errors": errors,
        "bytes_per_response": size,
        "note": "one request at a time",
        "check": problem or ("passed" if scenario.check else None),
    }


def step_stats(samples: list[float], seconds: float) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] / 1000, 2) if ordered else 0.0

    return {
        "count": len(ordered),
        "per_s": round(len(ordered) / seconds, 1),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
    }

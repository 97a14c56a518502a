"""bench/run.py's results as a Markdown table, with each scenario's ratio to the baseline's routes."""

from __future__ import annotations

from typing import Any


def add_ratios(results: list[dict[str, Any]]) -> float:
    """Each scenario's req/s over the baseline's template and constant routes; returns the template's req/s."""
    template_rps = next((r["rps"] for r in results if r["scenario"].startswith("baseline: template")), 0.0)
    constant_rps = next((r["rps"] for r in results if r["scenario"].startswith("baseline: constant")), 0.0)
    for r in results:
        if "rps" in r:
            r["ratio_to_template"] = round(r["rps"] / template_rps, 3) if template_rps else None
            r["ratio_to_constant"] = round(r["rps"] / constant_rps, 3) if constant_rps else None
    return template_rps


def markdown_table(results: list[dict[str, Any]], baseline_rps: float) -> str:
    lines = [
        "| scenario | conns | req/s | p50 ms | p95 ms | p99 ms | errors | ratio to template route | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        if r.get("note"):
            check = f"; check: {r['check']}" if r.get("check") else ""
            if r.get("worker_rss_mb"):
                check += f"; worker memory {r['worker_rss_mb']['before']:.0f} → {r['worker_rss_mb']['peak']:.0f} MB"
            lines.append(
                f"| {r['scenario']} ({r['note']}, {r['requests']} request{'s' if r['requests'] != 1 else ''}{check}) "
                f"| 1 | {r['rps']:.2f} | "
                f"{r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['errors']} | | "
                f"{r.get('target') or ''} |"
            )
            continue
        name = r["scenario"]
        if r.get("threads_out_of_forms"):
            name += (
                f" (ran out of forms after {r['first_out_of_forms_s']} s in {r['threads_out_of_forms']} of "
                f"{r['connections']} connections: req/s is a lower bound)"
            )
        if r.get("ratio_to_paired_template"):
            ratio = f"{100 * r['ratio_to_paired_template']:.0f} % (paired)"
        else:
            ratio = f"{100 * r['rps'] / baseline_rps:.0f} %" if baseline_rps else "—"
        lines.append(
            f"| {name} | {r['connections']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['errors']} | {ratio} | {r.get('target') or ''} |"
        )
    lines += [
        "",
        "Ratios are req/s over the baseline's template route; (paired): over that route measured again just "
        "before the scenario, with the same connections, so that others' load on the machine cancels out.",
    ]
    for r in results:
        if r.get("forms") is not None and isinstance(r.get("check"), dict):
            c = r["check"]
            lines += [
                "",
                f"{r['scenario']}: {r['forms']:,} open attempts prepared, {c['graded']:,} graded by the run "
                f"({c['passed']:,} passed, {c['certificates_issued']:,} certificates issued); "
                + (
                    f"check FAILED: {c['problem']}"
                    if c["problem"]
                    else f"every redirect to the result was a grading ({c['graded_in_flight_at_the_end']} more graded "
                    "while in flight when wrk stopped)"
                ),
            ]
        if r.get("steps"):
            lines += [
                "",
                f"Trainee flow: {r['flows']} flows ({r['flows_per_s']}/s); latency per step under that load:",
                "",
            ]
            lines += [
                "| step | count | per s | p50 ms | p95 ms | p99 ms |",
                "| --- | ---: | ---: | ---: | ---: | ---: |",
            ]
            for name, st in r["steps"].items():
                lines.append(
                    f"| {name} | {st['count']} | {st['per_s']} | {st['p50_ms']} | {st['p95_ms']} | {st['p99_ms']} |"
                )
    return "\n".join(lines)

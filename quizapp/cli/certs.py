"""`flask certs`: issue the certificates trainees earned but do not hold; list certificates."""

from __future__ import annotations

import click

from quizapp.cli.base import Group
from quizapp.db import new_session, unit_of_work, utcnow

certs_cli = Group("certs", help="Certificates: list them for reports and automation; issue missed ones.")


@certs_cli.command("reconcile")
def certs_reconcile() -> None:
    """Issue the certificates trainees have earned but do not hold (run from a scheduler, e.g. hourly).

    Pages heal this on their own when the trainee or a manager looks; this covers everyone else.
    Prints each certificate it issued."""
    from quizapp.services.certificate_codes import format_code
    from quizapp.services.certification import issue_where_qualified

    with unit_of_work() as session:
        issued = issue_where_qualified(session, utcnow(), backdate=True)
        lines = [
            f"  {format_code(c.code)}  {c.user.name} <{c.user.email}>  valid until {c.expires_at:%Y-%m-%d}"
            for c in issued
        ]
    for line in lines:
        click.echo(line)
    click.echo(f"Issued {len(issued)} certificate{'' if len(issued) == 1 else 's'}.")


@certs_cli.command("list")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(["valid", "expiring", "expired", "revoked", "superseded"]),
    help="Only certificates with this status; repeatable.",
)
@click.option(
    "--expiring-within",
    type=click.IntRange(min=0, max=36_500),
    metavar="DAYS",
    help="Only valid certificates that expire within DAYS days.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
def certs_list(statuses: tuple[str, ...], expiring_within: int | None, fmt: str) -> None:
    """List certificates, newest first: code, holder, email, programme, issued, expires, status."""
    from quizapp.csv_export import csv_lines
    from quizapp.services.certificate_codes import format_code
    from quizapp.services.certificate_pages import list_certificates

    header = ["code", "holder", "email", "programme", "issued_at", "expires_at", "status"]
    with new_session() as session:
        rows = [
            [format_code(c.code), c.user.name, c.user.email, c.programme, c.issued_at, c.expires_at, state.value]
            for c, state in list_certificates(session, utcnow(), statuses=statuses, expiring_within=expiring_within)
        ]
    if fmt == "csv":  # formula-safe cells, ISO 8601 dates, BOM: the same CSV as the manager's export
        for text in csv_lines(header, rows):
            click.echo(text, nl=False)
        return
    if not rows:
        click.echo("No certificates match.")
        return
    shown = [[*(terminal_safe(str(x)) for x in r[:3]), f"{r[4]:%Y-%m-%d}", f"{r[5]:%Y-%m-%d}", str(r[6])] for r in rows]
    titles = ["code", "holder", "email", "issued", "expires", "status"]
    widths = [max(len(x) for x in col) for col in zip(titles, *shown, strict=True)]
    for cells in [titles, *shown]:
        click.echo("  ".join(x.ljust(w) for x, w in zip(cells, widths, strict=True)).rstrip())


def terminal_safe(text: str) -> str:
    """Text without the control characters a terminal would act on (escape sequences, bells, C1 codes)."""
    return "".join(ch for ch in text if not (ord(ch) < 32 or 127 <= ord(ch) < 160))

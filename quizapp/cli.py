"""Command-line interface: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

from pathlib import Path

import click
from alembic.util import CommandError
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from quizapp import demo, migrate
from quizapp.db import new_session, unit_of_work, utcnow
from quizapp.demo_attempts import seed_demo_attempts
from quizapp.models import Role, Team
from quizapp.services import ServiceError
from quizapp.services import users as users_service


class _DatabaseErrors:
    """Report an unreachable database in one line and exit 1, not with a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except OperationalError as err:
            raise click.ClickException(f"Cannot use the database: {err.orig or err}".strip()) from None


class Group(_DatabaseErrors, AppGroup):
    """A command group (see _DatabaseErrors)."""


class Command(_DatabaseErrors, click.Command):
    """A single command (see _DatabaseErrors)."""


attempts_cli = Group("attempts", help="Quiz attempt housekeeping.")
banks_cli = Group("banks", help="Check, import and export question banks (YAML files).")
db_cli = Group("db", help="Database schema migrations (Alembic).")
users_cli = Group("users", help="Create and list user accounts.")

DEMO_TEAM = "Demo clinic"
DEMO_USERS = [
    ("admin@example.com", "Ada Admin", Role.ADMIN, "admin-demo-pass"),
    ("instructor@example.com", "Ines Instructor", Role.INSTRUCTOR, "instructor-demo-pass"),
    ("reviewer@example.com", "Rui Reviewer", Role.INSTRUCTOR, "instructor-demo-pass"),  # the second pair of eyes
    ("manager@example.com", "Mona Manager", Role.MANAGER, "manager-demo-pass"),
    ("trainee1@example.com", "Tara Trainee", Role.TRAINEE, "trainee-demo-pass"),
    ("trainee2@example.com", "Theo Trainee", Role.TRAINEE, "trainee-demo-pass"),
    ("trainee3@example.com", "Zoë Ångström-Nguyễn", Role.TRAINEE, "trainee-demo-pass"),
]


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the database up to REVISION (default: head)."""
    try:
        migrate.upgrade(current_app, revision)
    except CommandError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Database at {migrate.current(current_app)}.")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database down to REVISION (e.g. base, or -1)."""
    try:
        migrate.downgrade(current_app, revision)
    except CommandError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"Database at {migrate.current(current_app) or 'base (empty)'}.")


@db_cli.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    click.echo(migrate.current(current_app) or "base (empty)")


@db_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(path: Path) -> None:
    """Write a backup to PATH while the app keeps running (SQLite online backup; PostgreSQL: pg_dump)."""
    from quizapp.backup import BackupError, backup
    from quizapp.db import get_engine

    try:
        backup(get_engine(), path, click.echo)
    except BackupError as err:
        raise click.ClickException(str(err)) from None


@db_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_restore(path: Path) -> None:
    """Restore the backup in PATH into this instance's database, which must be empty."""
    from quizapp.backup import BackupError, restore
    from quizapp.db import get_engine

    try:
        restore(get_engine(), path, click.echo)
    except BackupError as err:
        raise click.ClickException(str(err)) from None


@users_cli.command("create")
@click.option("--email", required=True, help="Login email (unique).")
@click.option("--name", default=None, help="Full name (default: the part of the email before @).")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What the account may do.")
@click.option("--team", "teams", multiple=True, help="Team to join (created if missing); repeatable.")
@click.password_option(help="Password (prompted, twice, when not given).")
def users_create(email: str, name: str | None, role: str, teams: tuple[str, ...], password: str) -> None:
    """Create a user account."""
    with unit_of_work() as session:
        try:
            team_rows = [_team(session, t) for t in teams]
            user = users_service.create_user(
                session,
                email=email,
                name=name or email.split("@")[0],
                role=role,
                password=password,
                teams=team_rows,
            )
        except ServiceError as err:
            raise click.ClickException(str(err)) from None
    click.echo(f"Created {user.email} ({user.role.value}).")


@users_cli.command("list")
def users_list() -> None:
    """List accounts: email, role, active, teams."""
    with new_session() as session:
        for u in users_service.list_users(session):
            teams = ", ".join(t.name for t in u.teams)
            click.echo(f"{u.email}\t{u.role.value}\t{'active' if u.active else 'deactivated'}\t{teams}")


def _team(session, name: str) -> Team:
    team = session.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))
    return team or users_service.create_team(session, name)


@click.command("seed-demo", cls=Command)
@click.option("--logins-only", is_flag=True, help="Only print the demo logins; change nothing.")
@with_appcontext
def seed_demo(logins_only: bool) -> None:
    """Create the demo accounts and team (idempotent) and print their logins."""
    if logins_only:
        click.echo(demo_logins_text())
        return
    with unit_of_work() as session:
        team = _team(session, DEMO_TEAM)
        created = 0
        for email, name, role, password in DEMO_USERS:
            user = users_service.find_by_email(session, email)
            if user is None:
                user = users_service.create_user(session, email=email, name=name, role=role, password=password)
                created += 1
            if role == Role.TRAINEE and team not in user.teams:
                user.teams.append(team)
            if role == Role.MANAGER and team not in user.managed_teams:
                user.managed_teams.append(team)
        manager = users_service.find_by_email(session, "manager@example.com")
        try:
            created += demo.seed_states(session, team, manager, utcnow())  # a trainee in every state
        except ServiceError as err:
            click.echo(f"No demo trainees in every state: {err}")
        click.echo(f"Demo attempts for item analysis: {seed_demo_attempts(session, utcnow())} made.")
    click.echo(f"Demo data ready ({created} accounts created).")
    click.echo(demo_logins_text())


def demo_logins_text() -> str:
    lines = ["", "Demo logins — FOR LOCAL USE ONLY; never run seed-demo on a server others can reach:"]
    lines += [f"  {role.value:<11} {email:<26} {password}" for email, _n, role, password in DEMO_USERS]
    lines += [f"  trainees in every state (certified, expiring, ...): demo-*@example.com  {demo.PASSWORD}"]
    return "\n".join(lines) + "\n"


def _load(paths: tuple[str, ...], outcome: str = "nothing was imported"):
    from quizapp.bank_loader import BankError, load_banks

    banks_dir = Path(current_app.config["QUESTION_BANKS_DIR"])
    try:
        return load_banks(paths or (banks_dir,), fallback_sources=banks_dir / "sources.yaml")
    except BankError as err:
        for problem in err.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{len(err.problems)} problem(s) found; {outcome}. Fix them and run again."
        ) from None


@banks_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=True))
@click.option("--strict", is_flag=True, help="Treat quality warnings as errors (exit 1 if there are any).")
def banks_check(paths: tuple[str, ...], strict: bool) -> None:
    """Validate bank files (default: the shipped question_banks/); list every problem, then quality warnings."""
    from quizapp.bank_loader import lint_bank, summary

    bank = _load(paths, "the banks are not valid")
    lints = lint_bank(bank, strict=strict)
    for lint in lints:
        click.echo(str(lint), err=strict)
    for line in summary(bank):
        click.echo(line)
    if strict and lints:
        raise click.ClickException(f"{len(lints)} quality error(s) (--strict); fix them and run again.")
    warnings = f" ({len(lints)} quality warning(s))" if lints else ""
    click.echo(f"OK: {len(bank.modules)} module(s) valid{warnings}.")


@banks_cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=True))
@click.option("--if-empty", is_flag=True, help="Import only into a database with no modules yet (make run).")
@click.option("--allow-move", is_flag=True, help="Let the files take questions (by id) from other modules.")
@click.option("--module", "module_slug", help="The module GIFT questions go into (needed for .gift files).")
@click.option("--source", "default_source", help="Source id for GIFT questions that name none.")
@click.option("--unit", "default_unit", help="Unit for GIFT numeric questions that name none (e.g. mm).")
def banks_import(
    paths: tuple[str, ...],
    if_empty: bool,
    allow_move: bool,
    module_slug: str | None,
    default_source: str | None,
    default_unit: str | None,
) -> None:
    """Validate, then import bank files all or nothing (default: question_banks/).

    Unchanged questions create nothing, changed ones get a new version, and questions of the
    imported modules that the files no longer hold are retired, never deleted. An id that belongs
    to a module the files do not define is refused unless --allow-move. GIFT files (.gift) add and
    update questions of --module. The review status is kept as the files give it (an operator's import;
    browser imports make drafts)."""
    from quizapp.services.banks import import_bank, module_count

    gift_files = [p for p in paths if p.lower().endswith(".gift")]
    with unit_of_work() as session:
        if if_empty and module_count(session):
            click.echo("Modules already imported; leaving the database as it is (--if-empty).")
            return
        if gift_files:
            defaults = {k: v for k, v in (("source", default_source), ("unit", default_unit)) if v}
            bank = _load_gift(session, paths, gift_files, module_slug, defaults)
        else:
            bank = _load(paths)
        try:
            report = import_bank(session, bank, allow_move=allow_move)
        except ServiceError as err:
            raise click.ClickException(str(err)) from None
    click.echo(f"Imported {report}.")
    touched = {*report.changed_ids["created"], *report.changed_ids["updated"]}
    statuses = [q.review_status for m in bank.modules for q in m.questions if q.id in touched]
    if statuses:
        click.echo(
            f"Review status kept as in the files (an operator's import): {statuses.count('approved')} approved, "
            f"{statuses.count('draft')} draft among the created and updated questions."
        )


def _load_gift(session, paths: tuple[str, ...], gift_files: list[str], slug: str | None, defaults: dict[str, str]):
    """A bank of one module: the live module with the GIFT files' questions added or replaced."""
    from quizapp.bank_loader import Bank
    from quizapp.gift import gift_questions, with_questions
    from quizapp.services.authoring import load_banks_sources
    from quizapp.services.banks import module_spec

    if len(gift_files) != len(paths):
        raise click.UsageError("Import GIFT files on their own, not together with YAML bank files.")
    if not slug:
        raise click.UsageError("GIFT files hold questions only: name their module with --module SLUG.")
    try:
        sources = load_banks_sources(Path(current_app.config["QUESTION_BANKS_DIR"]) / "sources.yaml")
        module = module_spec(session, slug)
    except ServiceError as err:
        raise click.ClickException(str(err)) from None
    questions, problems = [], []
    for path in gift_files:
        found, trouble = gift_questions(
            Path(path).read_text(encoding="utf-8"),
            path,
            sources=sources,
            defaults=defaults,
        )
        questions += found
        problems += trouble
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{len(problems)} problem(s) found; nothing was imported. Fix them and run again.")
    return Bank(modules=[with_questions(module, questions)], sources=sources)


@banks_cli.command("export")
@click.argument("module")
@click.option("--format", "fmt", type=click.Choice(["yaml", "gift"]), default="yaml", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write here, not stdout.")
def banks_export(module: str, fmt: str, output: str | None) -> None:
    """Write MODULE (its slug) as a bank file (or GIFT): live settings and current question versions."""
    from quizapp.bank_loader import dump_module
    from quizapp.gift import write_gift
    from quizapp.services import NotFound
    from quizapp.services.banks import module_spec

    with new_session() as session:
        try:
            spec = module_spec(session, module)
        except NotFound as err:
            raise click.ClickException(str(err)) from None
    if fmt == "gift":
        text, warnings = write_gift(spec)
        for warning in warnings:
            click.echo(f"Warning: {warning}", err=True)
    else:
        text = dump_module(spec)
    if output:
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as err:
            raise click.ClickException(f"Cannot write {output}: {err.strerror}.") from None
        click.echo(f"Wrote {output}.")
    else:
        click.echo(text, nl=False)


@attempts_cli.command("close-overdue")
def attempts_close_overdue() -> None:
    """Grade every open attempt past its deadline (run from a scheduler, e.g. every 5 minutes)."""
    from quizapp.db import utcnow
    from quizapp.services.grading import close_overdue

    with unit_of_work() as session:
        count = close_overdue(session, utcnow())
    click.echo(f"Graded {count} overdue attempt(s).")


certs_cli = Group("certs", help="Certificates: list them for reports and automation; issue missed ones.")


@certs_cli.command("reconcile")
def certs_reconcile() -> None:
    """Issue the certificates trainees have earned but do not hold (run from a scheduler, e.g. hourly).

    Pages heal this on their own when the trainee or a manager looks; this covers everyone else.
    Prints each certificate it issued."""
    from quizapp.db import utcnow
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
    from quizapp.db import utcnow
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


def init_app(app: Flask) -> None:
    app.cli.add_command(attempts_cli)
    app.cli.add_command(certs_cli)
    app.cli.add_command(banks_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)

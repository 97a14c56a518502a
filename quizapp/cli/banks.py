"""`flask banks`: check, import (YAML or GIFT) and export question banks."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from quizapp.cli.base import Group
from quizapp.db import new_session, unit_of_work
from quizapp.services import ServiceError

banks_cli = Group("banks", help="Check, import and export question banks (YAML files).")


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

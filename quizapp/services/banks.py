"""Writing checked banks into the database, and reading modules back out as bank specs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from quizapp.bank_loader import Bank, ModuleSpec, QuestionSpec
from quizapp.db import utcnow
from quizapp.models import Module, Question, QuestionVersion, ReviewMode, ReviewStatus, User
from quizapp.services import NotFound, ServiceError
from quizapp.services.attempts import draw_problem, usable_tags
from quizapp.services.audit import record


class MoveRefused(ServiceError):
    """The bank would move questions out of modules it does not define; it needs allow_move."""


@dataclass
class ImportReport:
    """Question counts of one import, and the existing modules whose settings it changed."""

    created: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0
    modules: list[str] = field(default_factory=list)
    settings_changed: list[str] = field(default_factory=list)
    changed_ids: dict[str, list[str]] = field(
        default_factory=lambda: {"created": [], "updated": [], "retired": []}
    )  # which questions, for the audit trail
    moved: list[Move] = field(default_factory=list)  # out of modules this bank does not define (allow_move)
    draw_problems: dict[str, str] = field(default_factory=dict)  # modules those moves left undrawable

    @property
    def changes(self) -> int:
        return self.created + self.updated + self.retired + len(self.settings_changed)

    @property
    def affected_modules(self) -> list[str]:
        """The imported modules and every module a question was moved out of."""
        return list(dict.fromkeys([*self.modules, *(move.source for move in self.moved)]))

    def __str__(self) -> str:
        text = (
            f"{', '.join(self.modules)}: {self.created} created, {self.updated} updated, "
            f"{self.retired} retired, {self.unchanged} unchanged"
        )
        if self.settings_changed:
            text += f"; module settings changed: {', '.join(self.settings_changed)}"
        if self.moved:
            text += f"; moved from other modules: {_moves_text(self.moved)}"
            text += f"; modules affected: {', '.join(self.affected_modules)}"
        for slug, problem in self.draw_problems.items():
            text += f"; WARNING: {slug} can no longer be drawn: {problem}"
        return text


@dataclass(frozen=True)
class Move:
    """A question the bank takes from a module it does not define."""

    key: str
    source: str
    target: str


def _moves_text(moves: list[Move]) -> str:
    return ", ".join(f"{m.key} ({m.source} → {m.target})" for m in moves)


def import_bank(
    session: Session,
    bank: Bank,
    actor: User | None = None,
    allow_move: bool = False,
    *,
    as_drafts: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Bring the modules the bank defines in line with it: new versions for changed content,
    retire (never delete) questions the file no longer has. Only flushes.

    A question id that belongs to a module the bank does not define is refused (MoveRefused, nothing written)
    unless allow_move: then the question moves and the report and audit entry name every affected module.
    as_drafts (browser imports): new questions and new versions are drafts awaiting another instructor's
    approval, whatever the file says; unchanged questions keep their status. dry_run: the report of what
    would change, nothing written."""
    report = ImportReport()
    existing = {
        q.key: q
        for q in session.scalars(
            select(Question).options(selectinload(Question.versions), selectinload(Question.module))
        )
    }
    report.moved = _moves(bank, existing)
    if report.moved and not allow_move:
        raise MoveRefused(
            f"These question ids belong to modules the bank does not define, and importing would move them: "
            f"{_moves_text(report.moved)}. Nothing was imported. Give them new ids, or import with "
            "--allow-move to move them on purpose."
        )
    if dry_run:
        return _plan(session, bank, existing, report, as_drafts)
    # A question may move to another module of the same bank: retire only what no module holds.
    in_bank = {q.id for spec in bank.modules for q in spec.questions}
    for spec in sorted(bank.modules, key=lambda m: (m.order, m.slug)):
        module, settings_changed = _upsert_module(session, spec)
        report.modules.append(spec.slug)
        if settings_changed:
            report.settings_changed.append(spec.slug)
        for position, qspec in enumerate(spec.questions):
            question = existing.get(qspec.id)
            if question is None:
                question = Question(key=qspec.id, module=module)
                session.add(question)
                _apply_metadata(question, qspec, position, _status(None, qspec, as_drafts, True))
                _add_version(session, question, qspec, 1, actor)
                _mark_edited(question, actor, as_drafts)
                report.created += 1
                report.changed_ids["created"].append(qspec.id)
                continue
            new_content = question.current.content_hash != qspec.content_hash
            changed = question.module_id != module.id or question.retired_at is not None
            question.module = module
            question.retired_at = None
            changed |= _apply_metadata(question, qspec, position, _status(question, qspec, as_drafts, new_content))
            if new_content:
                _add_version(session, question, qspec, question.current.number + 1, actor)
                changed = True
            if changed:
                _mark_edited(question, actor, as_drafts)
                report.updated += 1
                report.changed_ids["updated"].append(qspec.id)
            else:
                report.unchanged += 1
        for question in existing.values():
            dropped = question.module_id == module.id and question.key not in in_bank
            if dropped and question.retired_at is None:
                question.retired_at = utcnow()
                report.retired += 1
                report.changed_ids["retired"].append(question.key)
    session.flush()
    for slug in dict.fromkeys(move.source for move in report.moved):
        source = session.scalar(select(Module).where(Module.slug == slug))
        problem = draw_problem(source, usable_tags(session, source)) if source is not None else None
        if problem:
            report.draw_problems[slug] = problem
    slugs = ",".join(report.modules)
    record(
        # target_id is a String(80): PostgreSQL refuses a longer list of slugs; details hold them all.
        session,
        actor,
        "bank.imported",
        "module",
        slugs if len(slugs) <= 80 else None,
        f"Bank import: {report}",
        modules=report.modules,
        settings_changed=report.settings_changed,
        created=report.created,
        updated=report.updated,
        retired=report.retired,
        unchanged=report.unchanged,
        questions=report.changed_ids,
        moved=[{"id": m.key, "from": m.source, "to": m.target} for m in report.moved],
        affected_modules=report.affected_modules,
    )
    return report


def _moves(bank: Bank, existing: dict[str, Question]) -> list[Move]:
    """Questions of the bank that now belong to a module the bank does not define."""
    defined = {spec.slug for spec in bank.modules}
    return [
        Move(qspec.id, existing[qspec.id].module.slug, spec.slug)
        for spec in bank.modules
        for qspec in spec.questions
        if qspec.id in existing and existing[qspec.id].module.slug not in defined
    ]


def _upsert_module(session: Session, spec: ModuleSpec) -> tuple[Module, bool]:
    """The module row with the spec's settings; True when an existing module's settings changed."""
    module = session.scalar(select(Module).where(Module.slug == spec.slug))
    created = module is None
    if module is None:
        module = Module(slug=spec.slug)
        session.add(module)
    settings = spec.settings()
    settings["review"] = ReviewMode(settings["review"])
    changed = False
    for key, value in settings.items():
        if getattr(module, key, None) != value:
            setattr(module, key, value)
            changed = True
    session.flush()
    return module, changed and not created


def _status(question: Question | None, spec: QuestionSpec, as_drafts: bool, new_content: bool) -> ReviewStatus:
    """The file's review status (an operator's CLI import); in the browser (as_drafts) new questions and
    new content are drafts, and a question whose content is unchanged keeps its status."""
    if not as_drafts:
        return ReviewStatus(spec.review_status)
    if question is None or new_content:
        return ReviewStatus.DRAFT
    return question.review_status


def _mark_edited(question: Question, actor: User | None, as_drafts: bool) -> None:
    """A browser import is an edit by its actor: another instructor approves it (four eyes)."""
    if as_drafts and actor is not None:
        question.edited_by_id = actor.id
    if question.review_status == ReviewStatus.DRAFT:
        question.approved_by_id = None
        question.approved_at = None


def _metadata(spec: QuestionSpec, position: int, status: ReviewStatus) -> dict[str, Any]:
    return {
        "tags": list(spec.tags),
        "group": spec.group,
        "review_status": status,
        "assessed": spec.assessed,
        "position": position,
    }


def _apply_metadata(question: Question, spec: QuestionSpec, position: int, status: ReviewStatus) -> bool:
    """Tags, group, review status, assessed and order change in place; True when any did."""
    changed = False
    for key, value in _metadata(spec, position, status).items():
        if getattr(question, key, None) != value:
            setattr(question, key, value)
            changed = changed or key != "position"
    return changed


def _plan(
    session: Session, bank: Bank, existing: dict[str, Question], report: ImportReport, as_drafts: bool
) -> ImportReport:
    """What import_bank would do, computed without writing (the browser's dry run)."""
    in_bank = {q.id for spec in bank.modules for q in spec.questions}
    modules = {
        m.slug: m for m in session.scalars(select(Module).where(Module.slug.in_([s.slug for s in bank.modules])))
    }
    for spec in sorted(bank.modules, key=lambda m: (m.order, m.slug)):
        module = modules.get(spec.slug)
        report.modules.append(spec.slug)
        if module is not None and _settings_differ(module, spec):
            report.settings_changed.append(spec.slug)
        for position, qspec in enumerate(spec.questions):
            question = existing.get(qspec.id)
            if question is None:
                report.created += 1
                report.changed_ids["created"].append(qspec.id)
                continue
            new_content = question.current.content_hash != qspec.content_hash
            status = _status(question, qspec, as_drafts, new_content)
            wanted = _metadata(qspec, position, status)
            changed = (
                module is None
                or question.module_id != module.id
                or question.retired_at is not None
                or new_content
                or any(getattr(question, k) != v for k, v in wanted.items() if k != "position")
            )
            if changed:
                report.updated += 1
                report.changed_ids["updated"].append(qspec.id)
            else:
                report.unchanged += 1
        for question in existing.values():
            dropped = module is not None and question.module_id == module.id and question.key not in in_bank
            if dropped and question.retired_at is None:
                report.retired += 1
                report.changed_ids["retired"].append(question.key)
    return report


def _settings_differ(module: Module, spec: ModuleSpec) -> bool:
    settings = spec.settings()
    settings["review"] = ReviewMode(settings["review"])
    return any(getattr(module, key, None) != value for key, value in settings.items())


def _add_version(session: Session, question: Question, spec: QuestionSpec, number: int, actor: User | None) -> None:
    version = QuestionVersion(
        number=number,
        content_hash=spec.content_hash,
        created_by_id=actor.id if actor else None,
        **spec.version_fields(),
    )
    question.versions.append(version)
    session.add(version)


def module_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Module)) or 0


def module_spec(session: Session, slug: str) -> ModuleSpec:
    """The module as it is live in the database (current versions, retired questions left out)."""
    module = session.scalar(select(Module).where(Module.slug == slug))
    if module is None:
        raise NotFound(f"No module {slug!r}.")
    questions = session.scalars(
        select(Question)
        .where(Question.module_id == module.id, Question.retired_at.is_(None))
        .options(selectinload(Question.versions))
        .order_by(Question.position, Question.key)
    ).all()
    return ModuleSpec(
        slug=module.slug,
        title=module.title,
        order=module.order,
        pass_mark=module.pass_mark,
        questions_per_attempt=module.questions_per_attempt,
        time_limit_minutes=module.time_limit_minutes,
        required_for_certification=module.required_for_certification,
        review=module.review.value,
        draw=[dict(rule) for rule in module.draw or []],
        attempts_per_day=module.attempts_per_day,
        cooldown_minutes=module.cooldown_minutes,
        lesson=module.lesson,
        questions=[
            QuestionSpec(
                id=q.key,
                type=q.current.type,
                stem=q.current.stem,
                spec=q.current.spec,
                explanation=q.current.explanation,
                source=q.current.source,
                tags=list(q.tags),
                group=q.group,
                points=q.current.points,
                critical=q.current.critical,
                review_status=q.review_status.value,
                assessed=q.assessed,
            )
            for q in questions
        ],
    )

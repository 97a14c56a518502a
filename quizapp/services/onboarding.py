"""Adding trainees to a team — one by one or from a CSV (email, name) with a dry run that lists every problem
row by row and an apply that is all or nothing — and the one-time set-password links they start with.

No email server is assumed: a link is shown once to the manager, who hands it over. Links expire, work
once, and only their SHA-256 is stored."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from quizapp.db import affected_rows
from quizapp.models import Role, SetPasswordToken, Team, User
from quizapp.services import NotFound, ServiceError
from quizapp.services import users as users_service
from quizapp.services.audit import record
from quizapp.services.oversight import teams_in_scope
from quizapp.services.scope import ensure_can_oversee

LINK_VALID_HOURS = 72
MAX_ROWS = 500
MAX_CSV_BYTES = 200_000
MAX_NAME = 120


# --- one-time links ------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue_link(session: Session, actor: User, trainee: User, now: datetime) -> str:
    """A new one-time token for a trainee the actor oversees (NotFound otherwise); earlier unused links
    of the trainee stop working. Returns the token itself: it is never stored, so show it now."""
    ensure_can_oversee(actor, trainee)
    session.execute(
        update(SetPasswordToken)
        .where(
            SetPasswordToken.user_id == trainee.id,
            SetPasswordToken.used_at.is_(None),
            SetPasswordToken.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    session.add(
        SetPasswordToken(
            user_id=trainee.id,
            token_hash=_digest(token),
            created_at=now,
            expires_at=now + timedelta(hours=LINK_VALID_HOURS),
            created_by_id=actor.id,
        )
    )
    session.flush()
    record(
        session,
        actor,
        "user.password_link",
        "user",
        trainee.id,
        f"One-time set-password link issued for {trainee.email}, valid {LINK_VALID_HOURS} hours",
    )
    return token


def find_link(session: Session, token: str, now: datetime) -> SetPasswordToken:
    """The unused, unexpired link with this token; NotFound (the same words for every case) otherwise."""
    if not token or len(token) > 100:
        raise NotFound("This link has expired or was already used. Ask your manager for a new one.")
    link = session.scalar(select(SetPasswordToken).where(SetPasswordToken.token_hash == _digest(token)))
    if link is None or link.used_at is not None or link.expires_at <= now or not link.user.active:
        raise NotFound("This link has expired or was already used. Ask your manager for a new one.")
    return link


def redeem_link(session: Session, token: str, password: str, now: datetime) -> User:
    """Set the password through a link, once: of two uses at the same moment only one succeeds."""
    link = find_link(session, token, now)
    used = session.execute(
        update(SetPasswordToken)
        .where(SetPasswordToken.id == link.id, SetPasswordToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if affected_rows(used) != 1:
        raise NotFound("This link has expired or was already used. Ask your manager for a new one.")
    users_service.set_password(session, link.user, password, link.user)
    return link.user


# --- adding trainees ------------------------------------------------------------------------------


@dataclass
class PlannedRow:
    line: int  # 1-based line in the file (or 1 for a single trainee)
    email: str
    name: str
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Plan:
    team: Team
    rows: list[PlannedRow]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.problems for r in self.rows)

    @property
    def problem_count(self) -> int:
        return sum(len(r.problems) for r in self.rows)


@dataclass(frozen=True)
class Created:
    user: User
    token: str


def team_for(session: Session, actor: User, team_id: int) -> Team:
    """A team the actor may add trainees to (managers: the teams they manage; admins: any)."""
    team = next((t for t in teams_in_scope(session, actor) if t.id == team_id), None)
    if team is None:
        raise NotFound("No such team.")
    return team


def _visible(text: str) -> str:
    """The text without whitespace and invisible characters (zero-width spaces, joiners, marks)."""
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cf", "Cc", "Zs"))


def parse_csv(data: bytes) -> list[PlannedRow]:
    """Rows of (email, name) from a UTF-8 CSV (a BOM and a header row are allowed); ServiceError when the
    file as a whole cannot be read."""
    if len(data) > MAX_CSV_BYTES:
        raise ServiceError(f"The file is larger than {MAX_CSV_BYTES // 1000} kB; split it.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("The file is not UTF-8 text; save it from the spreadsheet as 'CSV UTF-8'.") from None
    if "\x00" in text:
        raise ServiceError("The file holds NUL bytes; it is not a CSV file.")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as err:
        raise ServiceError(f"The file is not valid CSV: {err}.") from None
    rows = []
    for number, cells in enumerate(records, start=1):
        if not any(c.strip() for c in cells):
            continue
        if number == 1 and [c.strip().lower() for c in cells[:2]] == ["email", "name"]:
            continue
        email = cells[0].strip() if cells else ""
        name = cells[1].strip() if len(cells) > 1 else ""
        row = PlannedRow(number, email, name)
        if len(cells) > 2 and any(c.strip() for c in cells[2:]):
            row.problems.append("More than two columns: expected email, name.")
        rows.append(row)
    if not rows:
        raise ServiceError("The file has no rows: one trainee a line, as email,name.")
    if len(rows) > MAX_ROWS:
        raise ServiceError(f"The file has {len(rows)} rows; at most {MAX_ROWS} at a time.")
    return rows


def plan(session: Session, actor: User, team_id: int, rows: list[PlannedRow]) -> Plan:
    """What adding these rows to the team would do, with every problem of every row (nothing is written)."""
    team = team_for(session, actor, team_id)
    emails = [users_service.normalise_email(r.email) for r in rows]
    existing = {
        u.email.lower(): u
        for u in session.scalars(select(User).where(func.lower(User.email).in_([e for e in emails if e])))
    }
    seen: dict[str, int] = {}
    for row, email in zip(rows, emails, strict=True):
        if not email:
            row.problems.append("The email is empty.")
        else:
            try:
                row.email = users_service.check_email(email)
            except ServiceError:
                row.problems.append(f"{email!r} is not a valid email address.")
            if email in seen:
                row.problems.append(f"The same email is on line {seen[email]} of the file.")
            else:
                seen[email] = row.line
            other = existing.get(email)
            if other is not None:
                if team in other.teams:
                    row.problems.append("Already a member of this team.")
                elif other.role != Role.TRAINEE or other.teams:
                    row.problems.append("An account with this email exists in another team (or is not a trainee).")
                else:
                    row.problems.append(
                        "An account with this email exists; ask an administrator to add it to the team."
                    )
        if not row.name:
            row.problems.append("The name is empty.")
        elif not _visible(row.name):
            row.problems.append("The name holds only invisible characters.")
        elif len(row.name) > MAX_NAME or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in row.name):
            row.problems.append(f"The name must be 1 to {MAX_NAME} characters on one line, no control characters.")
    return Plan(team, rows)


def apply(session: Session, actor: User, team_id: int, rows: list[PlannedRow], now: datetime) -> list[Created]:
    """Create every planned trainee in the team, each with a one-time link — or none (ServiceError naming
    the problems) if any row has a problem. Flush only: the request's commit keeps all or nothing."""
    checked = plan(session, actor, team_id, rows)
    if not checked.ok:
        raise ServiceError(f"Nothing was added: {checked.problem_count} problem(s); run the dry run to see them.")
    created = []
    for row in checked.rows:
        user = users_service.create_user(
            session,
            email=row.email,
            name=row.name,
            role=Role.TRAINEE,
            password=secrets.token_urlsafe(32),  # nobody knows it: the trainee sets one through the link
            teams=[checked.team],
            actor=actor,
        )
        created.append(Created(user, issue_link(session, actor, user, now)))
    return created

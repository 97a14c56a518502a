"""Accounts and teams."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from functools import cache

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from quizapp.models import Role, Team, User
from quizapp.services import ServiceError, settings_of
from quizapp.services.audit import record
from quizapp.services.text import is_blank, required_text

MIN_PASSWORD = 12
MAX_PASSWORD = 1000
STRENGTH_CHECKED = 72  # zxcvbn's own limit; a longer password is long enough to pass on length alone


def check_password(password: str, *, hints: Iterable[str] = ()) -> None:
    """ServiceError unless the password is long, visible and not a common or easily guessed one."""
    if is_blank(password):
        raise ServiceError("A password cannot be made only of spaces or invisible characters.")
    if len(password) < MIN_PASSWORD:
        raise ServiceError(f"Passwords need at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise ServiceError(f"Passwords may have at most {MAX_PASSWORD} characters.")
    if password.lower() in _common_passwords():
        raise ServiceError("This is one of the most common passwords; choose another.")
    if len(password) <= STRENGTH_CHECKED:
        from zxcvbn import zxcvbn

        if zxcvbn(password, user_inputs=[h for h in hints if h])["score"] < 2:
            raise ServiceError(
                "This password is too easy to guess (a repeated or common word, a sequence, or the name or email "
                "of the account); choose a longer mix of words."
            )


@cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of public breaches, as zxcvbn ships them."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def hash_password(session: Session, password: str, *, hints: Iterable[str] = ()) -> str:
    check_password(password, hints=hints)
    return generate_password_hash(password, method=settings_of(session).password_hash_method)


@cache
def _dummy_hash(method: str) -> str:
    """A hash of a random password, checked when the email is unknown so both answers take as long."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    """The normalised address, or ServiceError when it is not an email address (same rule as the forms)."""
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as err:
        raise ServiceError(f"{email!r} is not a valid email address: {err}") from None
    return email


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user whose password matches, active or not (the caller checks `active`)."""
    user = find_by_email(session, email)
    if user is None:
        check_password_hash(_dummy_hash(settings_of(session).password_hash_method), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role | str,
    password: str,
    teams: Iterable[Team] = (),
    active: bool = True,
    actor: User | None = None,
) -> User:
    email, name, role = _checked(session, None, email, name, role)
    user = User(
        email=email,
        name=name,
        role=role,
        password_hash=hash_password(session, password, hints=(email, name)),
        active=active,
    )
    user.teams = list(teams)
    session.add(user)
    session.flush()
    record(session, actor, "user.created", "user", user.id, f"Created {email} as {role.value}", role=role.value)
    return user


def _checked(session: Session, user: User | None, email: str, name: str, role: Role | str) -> tuple[str, str, Role]:
    """The rules every account meets, on create and on edit: a valid unique email, a name, a known role."""
    email = check_email(email)
    message = "A user needs a name of 1 to 120 characters on one line."
    name = required_text(name, message)
    if len(name) > 120 or any(ord(c) < 32 for c in name):
        raise ServiceError(message)
    other = find_by_email(session, email)
    if other is not None and (user is None or other.id != user.id):
        raise ServiceError(f"A user with email {email} already exists.")
    try:
        return email, name, Role(role)
    except ValueError:
        raise ServiceError(f"Unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}.") from None


def update_user(
    session: Session,
    user: User,
    *,
    email: str,
    name: str,
    role: Role,
    active: bool,
    teams: Iterable[Team],
    managed_teams: Iterable[Team],
    actor: User | None,
) -> User:
    email, name, role = _checked(session, user, email, name, role)
    if actor is not None and actor.id == user.id and (role != Role.ADMIN or not active):
        raise ServiceError("You cannot remove your own admin role or deactivate yourself.")
    if user.role != role:
        record(
            session,
            actor,
            "user.role_changed",
            "user",
            user.id,
            f"{user.email}: role {user.role.value} → {role.value}",
            old=user.role.value,
            new=role.value,
        )
    if user.active != active:
        record(
            session,
            actor,
            "user.activated" if active else "user.deactivated",
            "user",
            user.id,
            f"{user.email} {'activated' if active else 'deactivated'}",
        )
    user.email, user.name, user.role, user.active = email, name, role, active
    user.teams = list(teams)
    user.managed_teams = list(managed_teams) if role in (Role.MANAGER, Role.ADMIN) else []
    session.flush()
    return user


def set_password(session: Session, user: User, password: str, actor: User | None) -> None:
    user.password_hash = hash_password(session, password, hints=(user.email, user.name))
    record(session, actor, "user.password_set", "user", user.id, f"New password set for {user.email}")
    session.flush()


def end_sessions(session: Session, user: User) -> None:
    """Every session and remember-me cookie of this user stops working (logout): the id they hold changes."""
    session.execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1))
    session.refresh(user, ["session_version"])


def teams_by_id(session: Session, ids: Iterable[int]) -> list[Team]:
    """The teams with these ids, each once (a form may repeat an id); ServiceError if one is gone."""
    wanted = list(dict.fromkeys(ids))
    found = {t.id: t for t in session.scalars(select(Team).where(Team.id.in_(wanted)))} if wanted else {}
    if len(found) != len(wanted):
        raise ServiceError("A team in the list no longer exists; reload the page.")
    return [found[i] for i in wanted]


def users_by_id(session: Session, ids: Iterable[int]) -> list[User]:
    """The users with these ids, each once (a form may repeat an id); ServiceError if one is gone."""
    wanted = list(dict.fromkeys(ids))
    found = {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}
    if len(found) != len(wanted):
        raise ServiceError("A user in the list no longer exists; reload the page.")
    return [found[i] for i in wanted]


def list_users(session: Session, role: Role | None = None) -> list[User]:
    stmt = select(User).options(selectinload(User.teams), selectinload(User.managed_teams)).order_by(User.name)
    if role is not None:
        stmt = stmt.where(User.role == role)
    return list(session.scalars(stmt))


def list_teams(session: Session) -> list[Team]:
    return list(
        session.scalars(
            select(Team).options(selectinload(Team.members), selectinload(Team.managers)).order_by(Team.name)
        )
    )


def team_named(session: Session, name: str) -> Team | None:
    """The team called `name`, whatever its case and surrounding spaces: team names are unique that way."""
    return session.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))


def create_team(session: Session, name: str, actor: User | None = None) -> Team:
    name = required_text(name, "A team needs a name.")
    if team_named(session, name) is not None:
        raise ServiceError(f"A team called {name} already exists.")
    team = Team(name=name)
    session.add(team)
    session.flush()
    record(session, actor, "team.created", "team", team.id, f"Created team {name}")
    return team


def update_team(
    session: Session, team: Team, *, name: str, managers: Iterable[User], members: Iterable[User], actor: User | None
) -> Team:
    name = required_text(name, "A team needs a unique name.")
    clash = team_named(session, name)
    if clash is not None and clash.id != team.id:
        raise ServiceError("A team needs a unique name.")
    managers = list(managers)
    for m in managers:
        if m.role not in (Role.MANAGER, Role.ADMIN):
            raise ServiceError(f"{m.name} is not a manager.")
    team.name = name
    team.managers = managers
    team.members = list(members)
    record(session, actor, "team.updated", "team", team.id, f"Updated team {name}")
    session.flush()
    return team

"""Accounts and teams."""

from __future__ import annotations

from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from quizapp.models import Role, Team, User
from quizapp.services import ServiceError, settings_of
from quizapp.services.audit import record

MIN_PASSWORD = 8


def hash_password(session: Session, password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ServiceError(f"Passwords need at least {MIN_PASSWORD} characters.")
    return generate_password_hash(password, method=settings_of(session).password_hash_method)


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
    if user is None or not check_password_hash(user.password_hash, password):
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
    user = User(email=email, name=name, role=role, password_hash=hash_password(session, password), active=active)
    user.teams = list(teams)
    session.add(user)
    session.flush()
    record(session, actor, "user.created", "user", user.id, f"Created {email} as {role.value}", role=role.value)
    return user


def _checked(session: Session, user: User | None, email: str, name: str, role: Role | str) -> tuple[str, str, Role]:
    """The rules every account meets, on create and on edit: a valid unique email, a name, a known role."""
    email = check_email(email)
    name = (name or "").strip()
    if not name or len(name) > 120 or any(ord(c) < 32 for c in name):
        raise ServiceError("A user needs a name of 1 to 120 characters on one line.")
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
    user.password_hash = hash_password(session, password)
    record(session, actor, "user.password_set", "user", user.id, f"New password set for {user.email}")
    session.flush()


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


def create_team(session: Session, name: str, actor: User | None = None) -> Team:
    name = name.strip()
    if not name:
        raise ServiceError("A team needs a name.")
    if session.scalar(select(Team).where(func.lower(Team.name) == name.lower())) is not None:
        raise ServiceError(f"A team called {name} already exists.")
    team = Team(name=name)
    session.add(team)
    session.flush()
    record(session, actor, "team.created", "team", team.id, f"Created team {name}")
    return team


def update_team(
    session: Session, team: Team, *, name: str, managers: Iterable[User], members: Iterable[User], actor: User | None
) -> Team:
    name = name.strip()
    clash = session.scalar(select(Team).where(func.lower(Team.name) == name.lower(), Team.id != team.id))
    if not name or clash is not None:
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

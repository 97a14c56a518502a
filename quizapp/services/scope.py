"""Who may oversee whom: the one scope rule for managers and admins (pages, exports and actions)."""

from __future__ import annotations

from quizapp.models import Role, User
from quizapp.services import NotFound


def can_oversee(viewer: User, user: User) -> bool:
    """Admins oversee every trainee; managers the trainees of the teams they manage; nobody oversees
    themselves, and only trainees are overseen."""
    if user.role != Role.TRAINEE or viewer.id == user.id:
        return False
    if viewer.role == Role.ADMIN:
        return True
    if viewer.role != Role.MANAGER:
        return False
    return bool({t.id for t in viewer.managed_teams} & {t.id for t in user.teams})


def ensure_can_oversee(viewer: User, user: User) -> None:
    """NotFound (a 404: no hint that the record exists) unless the viewer oversees this trainee."""
    if not can_oversee(viewer, user):
        raise NotFound("No such trainee.")

"""Domain operations: take a session first, only flush, raise ServiceError subclasses.

Services never read the Flask app: the configuration they need travels with the session
(`ServiceSettings`, put in the session factory's `info` by `quizapp.db.init_app`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session


class ServiceError(Exception):
    """A rule refused the operation; the message is safe to show to the user."""


class NotFound(ServiceError):
    """The object does not exist or is not visible to this user."""


class Forbidden(ServiceError):
    """The user may not do this."""


@dataclass(frozen=True)
class ServiceSettings:
    """The configuration services use, read once from the app's config."""

    password_hash_method: str = "scrypt"
    programme_name: str = "Microneedling practitioner — face and back"
    cert_validity_months: int = 24
    cert_renewal_window_days: int = 60

    @classmethod
    def from_config(cls, config: Any) -> ServiceSettings:
        return cls(
            password_hash_method=str(config["PASSWORD_HASH_METHOD"]),
            programme_name=str(config["PROGRAMME_NAME"]),
            cert_validity_months=int(config["CERT_VALIDITY_MONTHS"]),
            cert_renewal_window_days=int(config["CERT_RENEWAL_WINDOW_DAYS"]),
        )


def settings_of(session: Session) -> ServiceSettings:
    """The configuration that came with this session (built-in defaults for a bare session)."""
    settings = session.info.get("settings")
    return settings if isinstance(settings, ServiceSettings) else ServiceSettings()

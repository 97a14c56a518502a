"""Configuration: defaults, then instance/config.py, then the environment, then test overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

ENV_VARS = ("SECRET_KEY", "DATABASE_URL", "PUBLIC_BASE_URL", "RATELIMIT_STORAGE_URI", "TRUSTED_PROXIES")
DATABASE_SCHEMES = ("sqlite", "postgresql")
RATELIMIT_SCHEMES = ("memory", "redis", "rediss", "redis+sentinel", "redis+cluster", "memcached", "mongodb")


class ConfigError(Exception):
    """A setting that cannot work; the message names it and says what it should look like."""


class Defaults:
    """Settings every install starts from."""

    DATABASE_URL: str | None = None  # None: a SQLite file in the instance folder
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    RATELIMIT_STORAGE_URI = "memory://"
    TRUSTED_PROXIES = 0  # reverse proxies in front of the app whose X-Forwarded-* headers are believed
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # Redis gone: keep limiting, per worker, rather than fail requests
    VERIFY_RATE_LIMIT = "30 per minute"
    LOGIN_RATE_LIMIT = "20 per minute"  # per client address
    LOGIN_ACCOUNT_RATE_LIMIT = "10 per 15 minutes"  # failed log-ins per account (normalised email), any address
    MAX_CONTENT_LENGTH = 256 * 1024  # forms; an upload route raises its own limit with security.max_upload
    MAX_UPLOAD_LENGTH = 8 * 1024 * 1024
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BTN_SIZE = "md"
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; a long quiz must not lose its form
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PASSWORD_HASH_METHOD = "scrypt"
    PROGRAMME_NAME = "Microneedling practitioner — face and back"
    CERT_VALIDITY_MONTHS = 24
    CERT_RENEWAL_WINDOW_DAYS = 60
    QUESTION_BANKS_DIR = str(Path(__file__).resolve().parent.parent / "question_banks")


def load(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill app.config in precedence order and make sure a secret key exists."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for name in ENV_VARS:
        value = os.environ.get(name)
        if value:
            app.config[name] = value
    if test_config:
        app.config.update(test_config)
    check(app.config)
    if str(app.config["PUBLIC_BASE_URL"]).startswith("https://"):  # served over HTTPS: cookies only go there
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'quizapp.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))


def check(config: dict[str, Any]) -> None:
    """Refuse settings that cannot work, with one clear sentence (ConfigError), before anything uses them."""
    raw = config["TRUSTED_PROXIES"]
    if isinstance(raw, bool) or not (isinstance(raw, int) or (isinstance(raw, str) and raw.strip().isdigit())):
        raise ConfigError(f"TRUSTED_PROXIES must be a whole number of proxies (0, 1, 2…), not {raw!r}.")
    config["TRUSTED_PROXIES"] = int(raw)
    if not 0 <= config["TRUSTED_PROXIES"] <= 10:
        raise ConfigError(f"TRUSTED_PROXIES must be between 0 and 10, not {raw!r}.")
    url = config.get("DATABASE_URL")
    if url:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            backend = make_url(str(url)).get_backend_name()
        except ArgumentError:
            raise ConfigError(
                f"DATABASE_URL is not a database URL: {str(url)[:80]!r}. Use sqlite:///path/to/file.sqlite "
                "or postgresql+psycopg://user@host:5432/database."
            ) from None
        if backend not in DATABASE_SCHEMES:
            raise ConfigError(f"DATABASE_URL must be SQLite or PostgreSQL, not {backend!r}.")
    base = str(config["PUBLIC_BASE_URL"])
    if not base.startswith(("http://", "https://")) or len(base) < 10:
        raise ConfigError(f"PUBLIC_BASE_URL must start with http:// or https://, not {base[:80]!r}.")
    storage = str(config["RATELIMIT_STORAGE_URI"])
    if storage.split("://", 1)[0] not in RATELIMIT_SCHEMES or "://" not in storage:
        raise ConfigError(f"RATELIMIT_STORAGE_URI must be memory:// or redis://host:port, not {storage[:80]!r}.")


def per_worker_limits_warning(config: dict[str, Any], workers: int) -> str | None:
    """The start-up warning when several server processes would each keep their own rate-limit counts."""
    storage = str(config.get("RATELIMIT_STORAGE_URI", "memory://"))
    if workers > 1 and storage.startswith("memory://") and config.get("RATELIMIT_ENABLED", True):
        return (
            f"RATELIMIT_STORAGE_URI is memory:// with {workers} workers: each worker counts log-in and verify "
            f"attempts on its own, so the limits are {workers} times looser. Set "
            "RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379 (make serve does by default)."
        )
    return None


def instance_secret_key(instance: Path) -> str:
    """Read the generated key, creating it once; exclusive create so workers starting together agree."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    for _ in range(50):  # another worker may have created the file and not yet written it
        key = path.read_text().strip()
        if key:
            return key
        import time

        time.sleep(0.02)
    raise RuntimeError(f"{path} is empty; delete it and start again")

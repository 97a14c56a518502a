"""App factory and configuration precedence."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from quizapp import create_app
from quizapp.config import instance_secret_key


def test_test_config_overrides(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret"


def test_defaults_use_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["DATABASE_URL"].startswith("sqlite:///")
    assert app.config["DATABASE_URL"].endswith("instance/quizapp.sqlite")


def test_precedence_defaults_instance_file_env_test_config(monkeypatch, tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "PUBLIC_BASE_URL = 'https://from-file.example'\nPROGRAMME_NAME = 'From file'\n"
        "RATELIMIT_STORAGE_URI = 'memory://'\n"
    )
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://from-env.example")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")

    import quizapp

    monkeypatch.setattr(quizapp.Flask, "auto_find_instance_path", lambda self: str(instance))
    app = create_app()
    assert app.config["PROGRAMME_NAME"] == "From file"  # file beats defaults
    assert app.config["PUBLIC_BASE_URL"] == "https://from-env.example"  # env beats file
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["DATABASE_URL"].endswith("env.sqlite")
    app = create_app({"PUBLIC_BASE_URL": "https://from-test.example"})
    assert app.config["PUBLIC_BASE_URL"] == "https://from-test.example"  # test config beats env


def test_secret_key_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    import quizapp

    monkeypatch.setattr(quizapp.Flask, "auto_find_instance_path", lambda self: str(tmp_path / "inst"))
    first = create_app({"DATABASE_URL": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"DATABASE_URL": "sqlite://"}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "inst" / "secret_key").read_text() == first


def test_secret_key_workers_starting_together_agree(tmp_path: Path):
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(instance_secret_key(tmp_path))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(keys)) == 1


@pytest.mark.parametrize("path", ["/static/css/app.css", "/bootstrap/static/css/bootstrap.min.css"])
def test_assets_are_served_locally(client, path):
    with client.get(path) as response:
        assert response.status_code == 200


def test_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRUSTED_PROXIES", "abc", "TRUSTED_PROXIES must be a whole number"),
        ("TRUSTED_PROXIES", "-1", "TRUSTED_PROXIES must be a whole number"),
        ("DATABASE_URL", "not a url", "DATABASE_URL is not a database URL"),
        ("DATABASE_URL", "mysql://db/quizapp", "must be SQLite or PostgreSQL"),
        ("PUBLIC_BASE_URL", "clinic.example", "PUBLIC_BASE_URL must start with http"),
        ("RATELIMIT_STORAGE_URI", "bogus", "RATELIMIT_STORAGE_URI must be"),
    ],
)
def test_bad_configuration_is_one_clear_line_and_exit_1(tmp_path, monkeypatch, name, value, message):
    """From the environment, as on a server: no traceback, no "No such command 'db'"."""
    import os
    import subprocess
    import sys

    from quizapp import ROOT
    from quizapp.config import ConfigError

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'c.sqlite'}")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        create_app({"SECRET_KEY": "x"})
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(
        [str(flask), "--app", "wsgi", "db", "current"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and message in done.stderr
    assert "Traceback" not in done.stderr + done.stdout and "No such command" not in done.stderr

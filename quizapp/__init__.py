"""quizapp: microneedling training with graded quizzes and certificates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app: configuration, extensions, blueprints, error pages, CLI."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    from quizapp import config

    config.load(app, test_config)

    from quizapp import cli, converters, db, extensions, ops, presentation, security

    app.url_map.converters["int"] = converters.IdConverter
    from quizapp.views import errors, register_blueprints

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    db.init_app(app)
    ops.init_app(app)  # /healthz, /readyz, request log; first, so its timer starts before other hooks
    extensions.init_app(app)
    security.init_app(app)
    register_blueprints(app)
    errors.init_app(app)
    presentation.init_app(app)
    cli.init_app(app)
    return app

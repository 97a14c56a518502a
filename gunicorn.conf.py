"""gunicorn settings, read by `make serve` (and by gunicorn whenever it starts in this folder)."""

from __future__ import annotations

import os

graceful_timeout = 20
timeout = 60
accesslog = os.environ.get("GUNICORN_ACCESS_LOG")  # unset: no access log; "-" for standard output


def on_starting(server) -> None:
    """Warn once, in the master, when the workers would keep separate rate-limit counts."""
    from quizapp import create_app
    from quizapp.config import ConfigError, per_worker_limits_warning

    try:
        config = create_app().config
    except ConfigError:
        return  # each worker reports it in one line and exits (wsgi.py)
    warning = per_worker_limits_warning(config, server.cfg.workers)
    if warning:
        server.log.warning(warning)

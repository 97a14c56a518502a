"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import sys

from quizapp import create_app
from quizapp.config import ConfigError

try:
    app = create_app()
except ConfigError as err:  # one clear line and exit 1, for the CLI and for gunicorn alike
    sys.exit(f"quizapp: configuration error: {err}")

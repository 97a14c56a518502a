"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from quizapp import create_app

app = create_app()

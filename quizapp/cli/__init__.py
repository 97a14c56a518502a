"""Command-line interface: `flask --app wsgi <group> <command>`; one module per group.

base      Group and Command: an unreachable database reported in one line
attempts  flask attempts (close-overdue)
banks     flask banks (check, import, export)
certs     flask certs (reconcile, list)
db        flask db (upgrade, downgrade, current, backup, restore)
demo      flask seed-demo and the demo logins
users     flask users (create, list)
"""

from __future__ import annotations

from flask import Flask

from quizapp.cli.attempts import attempts_cli
from quizapp.cli.banks import banks_cli
from quizapp.cli.certs import certs_cli
from quizapp.cli.db import db_cli
from quizapp.cli.demo import seed_demo
from quizapp.cli.users import users_cli


def init_app(app: Flask) -> None:
    """Add every group (and seed-demo) to the app's `flask` command."""
    app.cli.add_command(attempts_cli)
    app.cli.add_command(certs_cli)
    app.cli.add_command(banks_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)

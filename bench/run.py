"""Request throughput of quizapp's hot pages as ratios against a bare Flask app measured in the same run.

Usage: .venv/bin/python bench/run.py [--requests N]   (or `make bench`)
Each page is requested N times through the WSGI stack in-process (no network), after a warm-up; the
figure reported is the mean time per request divided by the bare Flask baseline's. A ratio, not seconds,
so results from different machines can be compared.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask

from quizapp import create_app, migrate
from quizapp.bank_loader import load_banks
from quizapp.db import new_session, utcnow
from quizapp.models import Module, Role
from quizapp.services import attempts, users
from quizapp.services.banks import import_bank

ROOT = Path(__file__).resolve().parent.parent


def per_request(client, method: str, path: str, n: int, **kwargs) -> float:
    for _ in range(max(5, n // 10)):
        client.open(path, method=method, **kwargs).close()
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n // 5):
            client.open(path, method=method, **kwargs).close()
        samples.append((time.perf_counter() - start) / (n // 5))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per page (default 500)")
    args = parser.parse_args()

    bare = Flask("bare")
    bare.add_url_rule("/", "index", lambda: "<!doctype html><p>hello</p>")
    baseline = per_request(bare.test_client(), "GET", "/", args.requests)

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite",
                "WTF_CSRF_ENABLED": False,
                "RATELIMIT_ENABLED": False,
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            }
        )
        migrate.upgrade(app)
        session = new_session(app)
        import_bank(session, load_banks([ROOT / "question_banks"]))
        with app.app_context():
            trainee = users.create_user(
                session, email="bench@example.com", name="Bench", role=Role.TRAINEE, password="bench-password"
            )
        module = session.query(Module).filter_by(slug="depth-selection").one()
        attempt = attempts.start_attempt(session, trainee, module, utcnow(), random.Random(1))
        session.commit()
        numeric = next((r for r in attempt.responses if r.version.type == "numeric"), attempt.responses[0])
        session.close()

        client = app.test_client()
        client.post("/auth/login", data={"email": "bench@example.com", "password": "bench-password"})
        pages = {
            "login page (GET /auth/login, logged out)": (app.test_client(), "GET", "/auth/login", {}),
            "trainee home (GET /)": (client, "GET", "/", {}),
            "lesson (GET /modules/depth-selection)": (client, "GET", "/modules/depth-selection", {}),
            "question page (GET /attempts/<id>/q/<n>)": (client, "GET", f"/attempts/{attempt.id}/q/2", {}),
            "autosave (POST /attempts/<id>/autosave)": (
                client,
                "POST",
                f"/attempts/{attempt.id}/autosave",
                {"data": {"position": str(numeric.position), "answer": "0.5"}},
            ),
        }
        print(f"bare Flask baseline: {baseline * 1e6:.0f} µs per request ({args.requests} requests)")
        print(f"{'page':<48} ratio to bare Flask")
        for label, (c, method, path, kwargs) in pages.items():
            ratio = per_request(c, method, path, args.requests, **kwargs) / baseline
            print(f"{label:<48} {ratio:6.1f}×")


if __name__ == "__main__":
    main()

"""Blueprints, registered explicitly."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, has_request_context, request, url_for
from markupsafe import Markup


def register_blueprints(app: Flask) -> None:
    from quizapp.views import admin, auth, certificates, instructor, manager, practice, trainee, verify

    for module in (auth, trainee, practice, certificates, instructor, manager, admin, verify):
        app.register_blueprint(module.bp)
    app.jinja_env.globals["nav_links"] = nav_links
    app.jinja_env.globals["bootstrap_assets"] = bootstrap_assets
    app.jinja_env.globals["url_for"] = template_url_for


NAV = {
    "trainee": [
        ("trainee.home", "Home"),
        ("practice.index", "Practice"),
        ("trainee.history", "History"),
        ("certificates.show", "Certificate"),
    ],
    "instructor": [("instructor.home", "Modules")],
    "manager": [
        ("manager.overview", "Dashboard"),
        ("manager.trainees", "Trainees"),
        ("manager.onboard", "Add trainees"),
    ],
    "admin": [
        ("admin.users", "Users"),
        ("admin.teams", "Teams"),
        ("manager.overview", "Dashboard"),
        ("manager.trainees", "Trainees"),
        ("admin.programme", "Programme"),
        ("admin.audit", "Audit log"),
    ],
}


def nav_links() -> list[tuple[str, str]]:
    """Navigation for the current user's role, limited to routes that exist."""
    from flask import current_app
    from flask_login import current_user

    if not current_user.is_authenticated:
        return []
    links = NAV.get(current_user.role.value, [])
    return [(e, label) for e, label in links if e in current_app.view_functions]


def bootstrap_assets(kind: str) -> Markup:
    """Bootstrap's <link> ("css") or <script> tags ("js"), as Flask-Bootstrap writes them, built once per app
    and script root instead of on every page."""
    from flask import current_app, request

    from quizapp.extensions import bootstrap

    built: dict[tuple[str, str], Markup] = current_app.extensions.setdefault("quizapp.bootstrap_assets", {})
    key = (kind, request.script_root)
    if key not in built:
        built[key] = Markup(bootstrap.load_css() if kind == "css" else bootstrap.load_js())
    return built[key]


def template_url_for(endpoint: str, **values: Any) -> str:
    """Flask's url_for for templates, except that an address without arguments (a page of the menu) or of a
    static file is built once per app and script root: Werkzeug's URL building is a large part of rendering
    a page, and every page has a dozen of these. Anything else (ids, _external, a blueprint-relative
    endpoint) is built each time."""
    constant = not values or (endpoint == "static" and len(values) == 1 and "filename" in values)
    if not constant or endpoint.startswith(".") or not has_request_context():
        return url_for(endpoint, **values)
    built: dict[tuple[str, str | None, str], str] = current_app.extensions.setdefault("quizapp.urls", {})
    key = (endpoint, values.get("filename"), request.script_root)
    url = built.get(key)
    if url is None:
        url = built[key] = url_for(endpoint, **values)
    return url

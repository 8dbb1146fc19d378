"""The web UI and the API served together, the headers every page carries, and the vendored static files."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from reskontro.api import create_app
from reskontro.site import first_segment
from reskontro.web.app import WEB_SEGMENTS
from tests.web.conftest import Web
from tests.web.routes import web_routes

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "reskontro" / "web"


def test_web_and_api_own_disjoint_paths(web: Web) -> None:
    api_segments = {first_segment(path) for path in create_app(web.app).openapi()["paths"]}
    api_segments |= {"docs", "redoc", "openapi.json"}
    assert not api_segments & WEB_SEGMENTS
    web_segments = {first_segment(getattr(route, "path", "/")) for route in web_routes()} | {"static"}
    assert web_segments <= WEB_SEGMENTS


def test_one_server_answers_the_web_ui_and_the_api(web: Web) -> None:
    b = web.browser()
    assert b.get("/login").headers["content-type"].startswith("text/html")
    assert b.client.get("/openapi.json").json()["info"]["title"] == "Reskontro API"
    assert b.client.get("/docs").status_code == 200
    me = b.client.get("/me")
    assert me.status_code == 401 and me.headers["content-type"] == "application/problem+json"
    unknown = b.client.get("/nothing-here")  # the API's, as before: problem+json
    assert unknown.status_code == 404 and unknown.headers["content-type"] == "application/problem+json"
    page = b.get("/c/1/nothing-here", follow_redirects=False)
    assert page.status_code in (303, 404) and "problem" not in page.headers["content-type"]
    assert "web" not in str(create_app(web.app).openapi()["paths"])


def test_pages_carry_security_headers_and_are_not_cached(web: Web) -> None:
    b = web.sign_in("accountant")
    response = b.get(web.url("/"))
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    css = b.client.get("/static/app.css")
    assert css.status_code == 200 and "max-age=3600" in css.headers["cache-control"]
    assert 'style="' not in response.text and "<script>" not in response.text  # nothing the CSP would block


def test_htmx_is_vendored_as_recorded_in_the_notice() -> None:
    notice = (WEB / "static" / "NOTICE").read_text()
    digest = hashlib.sha256((WEB / "static" / "htmx.min.js").read_bytes()).hexdigest()
    assert f"SHA-256: {digest}" in notice
    assert "htmx 2.0.11" in notice and "Zero-Clause BSD" in notice


def test_the_package_includes_every_template_static_file_and_catalogue() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["reskontro"]
    package = ROOT / "src" / "reskontro"
    included = {p for pattern in patterns for p in package.glob(pattern)}
    for folder in ("templates", "static", "locale"):
        for path in (WEB / folder).rglob("*"):
            if path.is_file() and not re.search(r"\.(mo|pyc)$", path.name):
                assert path in included, f"{path.relative_to(package)} is not in the package data"
    deps = " ".join(config["project"]["dependencies"])
    assert "jinja2>=" in deps and "babel>=" in deps and "python-multipart>=" in deps


def test_a_request_body_over_the_document_limit_is_refused_before_it_is_read(web: Web) -> None:
    b = web.sign_in("accountant")
    response = b.client.post(web.url("/customer/1/documents"), content=b"x",
                             headers={"Content-Length": str(60 * 1024 * 1024), "Content-Type": "text/plain"})
    assert response.status_code == 413

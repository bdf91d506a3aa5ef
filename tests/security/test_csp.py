"""Content-Security-Policy on the pages Parley serves (admin, API docs) and on the demo host
page, and the report-only switch."""

import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from django.test import Client

from embed.demo_host import make_demo_host

from .conftest import PASSWORD, admin_login

ROOT = Path(__file__).resolve().parents[2]


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def assert_strict(header: str) -> dict[str, list[str]]:
    policy = directives(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    script = policy["script-src"]
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    return policy


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/api/v1/"])
def test_parley_pages_carry_a_strict_policy(client, db, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = assert_strict(response["Content-Security-Policy"])
    assert policy["script-src"][0] == "'self'"
    assert "Content-Security-Policy-Report-Only" not in response


def test_the_admin_signed_in_carries_the_policy_and_a_nonce_only_when_used(moderator):
    client = Client()
    admin_login(client, "mod", PASSWORD)
    response = client.get("/admin/moderation/queuecomment/?queue=held")
    assert response.status_code == 200
    policy = assert_strict(response["Content-Security-Policy"])
    # Every script of the queue page is a file from Parley's origin: no inline script at all.
    html = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert policy["script-src"] == ["'self'"]


def test_the_api_docs_need_no_cdn(client, db):
    html = client.get("/api/docs/").content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources and all(src.startswith("/") for src in sources), sources
    assert "cdn" not in html.lower()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    start_up = client.get("/api/docs/?script=")
    assert start_up.status_code == 200
    assert "SwaggerUIBundle" in start_up.content.decode()


def test_the_demo_host_page_allows_exactly_what_the_embedding_doc_asks_for():
    server = make_demo_host(
        "127.0.0.1", 0, parley_url="http://localhost:8000", site="daily", secret="x" * 32
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        response = requests.get(f"{server.origin}/articles/budget", timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    policy = assert_strict(response.headers["Content-Security-Policy"])
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])[1]
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'", "http://localhost:8000"]
    assert policy["connect-src"] == ["'self'", "http://localhost:8000"]
    # Its one inline script and its one inline style carry the nonce.
    assert response.text.count(f'nonce="{nonce}"') == 2


def _policy_headers(**environment: str) -> str:
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/admin/login/'); "
        "print(sorted(h for h in r.headers if 'Security-Policy' in h))"
    )
    environment = {"DJANGO_SETTINGS_MODULE": "config.settings.test", **environment}
    result = subprocess.run(  # noqa: S603 - a constant command line
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_the_report_only_switch_reports_instead_of_enforcing():
    assert _policy_headers() == "['Content-Security-Policy']"
    assert (
        _policy_headers(PARLEY_CSP_REPORT_ONLY="true") == "['Content-Security-Policy-Report-Only']"
    )

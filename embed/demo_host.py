"""A stand-in for a publisher's website, for the demo and the browser tests.

It runs on another origin than Parley (127.0.0.1:8001 next to the API on :8000), so every
request the embed makes is really cross-origin. Like a real host it knows only its own
readers and the site's SSO secret; it signs a short-lived token for the reader who clicks
"sign in", exactly as docs/embedding.md tells publishers to do.
"""

import base64
import json
import os
import re
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import jwt
from django.template.loader import render_to_string

# The demo site's SSO secret, set by `manage.py embed_demo`. Documented, demo only.
DEMO_SSO_SECRET = "parley-demo-sso-secret-not-for-production"  # noqa: S105

# The host's own readers: its user ids are not Parley's.
DEMO_HOST_READERS = {
    "amira": {"sub": "host-user-1001", "name": "Amira K.", "email": "amira@news.example"},
    "ben": {"sub": "host-user-1002", "name": "Ben from Leeds", "email": "ben@news.example"},
    "chloe": {"sub": "host-user-1003", "name": "Chloé", "email": "chloe@news.example"},
    "dmitri": {"sub": "host-user-1004", "name": "Dmitri", "email": "dmitri@news.example"},
}
# Readers with a profile picture on the host (background, figure); the others have none, and
# the embed shows their initials instead.
DEMO_AVATARS = {"amira": ("#9a3412", "#fed7aa"), "chloe": ("#115e59", "#99f6e4")}
_AVATAR_PATH = re.compile(r"^/avatars/(?P<name>[a-z]{1,20})\.svg$")


def demo_avatar_url(origin: str, reader: str) -> str:
    """The host's picture of `reader` (a key of DEMO_HOST_READERS), or "" if it has none."""
    return f"{origin}/avatars/{reader}.svg" if reader in DEMO_AVATARS else ""


def _avatar_svg(background: str, figure: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
        f'<rect width="64" height="64" fill="{background}"/>'
        f'<circle cx="32" cy="25" r="12" fill="{figure}"/>'
        f'<path d="M10 64c2-14 11-22 22-22s20 8 22 22z" fill="{figure}"/></svg>'
    ).encode()


# The demo's articles (demo/management/commands/load_demo.py gives each a conversation);
# "moderation-demo" is the one whose comments fill the moderators' queues.
DEMO_ARTICLES = {
    "foreign-policy-forum": "Ministers meet in Lisbon to rethink the region's security pact",
    "moderation-demo": "Lisbon talks: your questions answered",
    "harbour-bridge-vote": "Council votes on the harbour bridge tonight",
}
DEMO_LEDES = {
    "foreign-policy-forum": "Foreign ministers from the region met in Lisbon on Tuesday to discuss "
    "how the security pact signed a decade ago should change. Verification, funding and the role "
    'of parliaments were on the table; a communiqué promised a draft "within the year".',
    "moderation-demo": "What was agreed in Lisbon, what was not, and what happens next: our "
    "correspondents answer the questions readers sent in after Tuesday's meeting.",
    "harbour-bridge-vote": "After four decades of plans, the council decides tonight whether the "
    "harbour bridge goes ahead. The final design adds cycling lanes and drops the toll.",
}
_ARTICLE_PATH = re.compile(r"^/articles/(?P<key>[-a-zA-Z0-9_]{1,100})$")
TOKEN_LIFETIME_SECONDS = 120


def sign_reader_token(*, secret: str, site: str, reader: dict, lifetime: int = 120) -> str:
    """What a publisher's server does: an HS256 JWT naming its reader, for one Parley site."""
    now = int(time.time())
    claims = {
        "sub": reader["sub"],
        "name": reader["name"],
        "email": reader.get("email", ""),
        **({"avatar": reader["avatar"]} if reader.get("avatar") else {}),
        "aud": site,
        "iat": now,
        "exp": now + lifetime,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def host_csp(*, parley_url: str, nonce: str) -> str:
    """A strict host page policy with exactly what docs/embedding.md says the embed needs:
    Parley's origin in script-src (embed.js, count.js) and connect-src (its API calls)."""
    parley = urlsplit(parley_url)
    origin = f"{parley.scheme}://{parley.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}' {origin}",
            f"connect-src 'self' {origin}",
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


class DemoHostServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, parley_url: str, site: str, secret: str):
        super().__init__(address, DemoHostHandler)
        self.parley_url = parley_url.rstrip("/")
        self.site = site
        self.secret = secret

    @property
    def origin(self) -> str:
        host, port = self.server_address[:2]
        if isinstance(host, bytes):  # typed str | bytes; an AF_INET server's is a str
            host = host.decode()
        return f"http://{host}:{port}"


class DemoHostHandler(BaseHTTPRequestHandler):
    server: DemoHostServer

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the demo's console belongs to runserver

    def _send(
        self, status: int, body: bytes, content_type: str, *, headers: dict | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _page(self, template: str, context: dict) -> None:
        nonce = base64.b64encode(os.urandom(16)).decode()
        context = {
            "parley_url": self.server.parley_url,
            "site": self.server.site,
            "readers": DEMO_HOST_READERS,
            "nonce": nonce,
            **context,
        }
        html = render_to_string(template, context)
        csp = host_csp(parley_url=self.server.parley_url, nonce=nonce)
        self._send(
            HTTPStatus.OK,
            html.encode(),
            "text/html; charset=utf-8",
            headers={"Content-Security-Policy": csp},
        )

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/":
            return self._page("embed/demo_index.html", {"articles": DEMO_ARTICLES})
        if match := _ARTICLE_PATH.match(path):
            key = match["key"]
            title = DEMO_ARTICLES.get(key, key.replace("-", " ").capitalize())
            return self._page(
                "embed/demo_article.html",
                {
                    "key": key,
                    "title": title,
                    "lede": DEMO_LEDES.get(key, ""),
                    "url": f"{self.server.origin}/articles/{key}",
                    "others": {k: t for k, t in DEMO_ARTICLES.items() if k != key},
                },
            )
        if (match := _AVATAR_PATH.match(path)) and match["name"] in DEMO_AVATARS:
            return self._send(
                HTTPStatus.OK, _avatar_svg(*DEMO_AVATARS[match["name"]]), "image/svg+xml"
            )
        self._send(HTTPStatus.NOT_FOUND, b"Not found", "text/plain; charset=utf-8")

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/sso-token":
            return self._send(HTTPStatus.NOT_FOUND, b"Not found", "text/plain; charset=utf-8")
        length = min(int(self.headers.get("Content-Length") or 0), 10_000)
        try:
            name = json.loads(self.rfile.read(length) or b"{}")["reader"]
            reader = {
                **DEMO_HOST_READERS[name],
                "avatar": demo_avatar_url(self.server.origin, name),
            }
        except (KeyError, ValueError, TypeError):
            return self._send(
                HTTPStatus.BAD_REQUEST, b'{"error": "unknown reader"}', "application/json"
            )
        token = sign_reader_token(
            secret=self.server.secret,
            site=self.server.site,
            reader=reader,
            lifetime=TOKEN_LIFETIME_SECONDS,
        )
        self._send(HTTPStatus.OK, json.dumps({"token": token}).encode(), "application/json")


def make_demo_host(
    host: str, port: int, *, parley_url: str, site: str, secret: str
) -> DemoHostServer:
    """A demo host server bound to (host, port); port 0 picks a free one."""
    return DemoHostServer((host, port), parley_url=parley_url, site=site, secret=secret)

"""Render deploy/nginx.conf.template into an nginx.conf for one deployment.

    python deploy/nginx.py --listen 80 --upstream 127.0.0.1:8000 \\
        --static-root /srv/parley/staticfiles --prefix /var/lib/parley-nginx \\
        > /etc/parley/nginx.conf
    nginx -p /var/lib/parley-nginx -e /var/lib/parley-nginx/error.log -c /etc/parley/nginx.conf

Placeholders are `@NAME@`, so nginx's own `$variables` pass through untouched. The load
benchmark (bench/load.py) and the proxy's integration test (tests/integration/
test_nginx_proxy.py) render the same template through `render`, with ports and a temporary
prefix filled in, so what they measure and prove is this file.
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import sys
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).resolve().with_name("nginx.conf.template")


@dataclass(frozen=True)
class NginxSettings:
    listen: str  # "80", "127.0.0.1:8080"
    upstream: str  # "127.0.0.1:8000" or "unix:/run/parley/gunicorn.sock"
    static_root: str  # where `manage.py collectstatic` put the files (STATIC_ROOT)
    prefix: str  # pid file, error log, temporary files and the micro-cache
    max_body_bytes: int = 256 * 1024  # keep equal to PARLEY_MAX_REQUEST_BYTES
    max_header_bytes: int = 8 * 1024
    client_timeout_seconds: int = 10
    upstream_timeout_seconds: int = 30
    micro_cache_seconds: int = 0  # 0: off
    worker_processes: str = "auto"
    user: str | None = None  # only meaningful when nginx starts as root
    mime_types: str = "/etc/nginx/mime.types"
    access_log: str = "off"  # or a path (nginx's default "combined" format)
    error_log_level: str = "warn"
    # `$scheme` when nginx terminates TLS itself; `$http_x_forwarded_proto` behind a load
    # balancer that does (and that overwrites the header a client sends).
    forwarded_proto: str = "$scheme"


def render(settings: NginxSettings) -> str:
    values = {
        "LISTEN": settings.listen,
        "UPSTREAM": settings.upstream,
        "STATIC_ROOT": str(Path(settings.static_root)).rstrip("/"),
        "PREFIX": str(Path(settings.prefix)).rstrip("/"),
        "MAX_BODY": str(settings.max_body_bytes),
        "MAX_BODY_BYTES": str(settings.max_body_bytes),
        "MAX_HEADER": str(settings.max_header_bytes),
        "MAX_HEADER_BYTES": str(settings.max_header_bytes),
        "CLIENT_TIMEOUT": f"{settings.client_timeout_seconds}s",
        "UPSTREAM_TIMEOUT": f"{settings.upstream_timeout_seconds}s",
        "MICRO_CACHE_ZONE": "parley_micro" if settings.micro_cache_seconds > 0 else "off",
        "MICRO_CACHE_SECONDS": str(max(1, settings.micro_cache_seconds)),
        "WORKER_PROCESSES": settings.worker_processes,
        "USER_LINE": f"user {settings.user};" if settings.user else "",
        "MIME_TYPES": settings.mime_types,
        "ACCESS_LOG": settings.access_log,
        "ERROR_LOG_LEVEL": settings.error_log_level,
        "FORWARDED_PROTO": settings.forwarded_proto,
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = sorted(set(re.findall(r"@([A-Z_]+)@", text)))
    if left:
        raise ValueError(f"unfilled placeholders in {TEMPLATE.name}: {', '.join(left)}")
    return text


def user_for_root() -> str | None:
    """When nginx starts as root its workers switch to `user`; keep them as whoever runs us
    (a test's temporary directory is readable by its owner only)."""
    if os.geteuid() != 0:
        return None
    return pwd.getpwuid(os.geteuid()).pw_name


def main(argv: list[str] | None = None) -> None:
    defaults = NginxSettings(listen="", upstream="", static_root="", prefix="")
    parser = argparse.ArgumentParser(description="Render Parley's nginx.conf to stdout.")
    parser.add_argument("--listen", default="80")
    parser.add_argument("--upstream", default="127.0.0.1:8000")
    parser.add_argument("--static-root", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--max-body-bytes", type=int, default=defaults.max_body_bytes)
    parser.add_argument("--max-header-bytes", type=int, default=defaults.max_header_bytes)
    parser.add_argument("--client-timeout", type=int, default=defaults.client_timeout_seconds)
    parser.add_argument("--upstream-timeout", type=int, default=defaults.upstream_timeout_seconds)
    parser.add_argument(
        "--micro-cache", type=int, default=0, help="seconds to share anonymous API GETs (0: off)"
    )
    parser.add_argument("--worker-processes", default=defaults.worker_processes)
    parser.add_argument("--user", default=None, help="workers' user when started as root")
    parser.add_argument("--mime-types", default=defaults.mime_types)
    parser.add_argument("--access-log", default=defaults.access_log)
    parser.add_argument("--forwarded-proto", default=defaults.forwarded_proto)
    args = parser.parse_args(argv)
    settings = NginxSettings(
        listen=args.listen,
        upstream=args.upstream,
        static_root=args.static_root,
        prefix=args.prefix,
        max_body_bytes=args.max_body_bytes,
        max_header_bytes=args.max_header_bytes,
        client_timeout_seconds=args.client_timeout,
        upstream_timeout_seconds=args.upstream_timeout,
        micro_cache_seconds=args.micro_cache,
        worker_processes=args.worker_processes,
        user=args.user,
        mime_types=args.mime_types,
        access_log=args.access_log,
        forwarded_proto=args.forwarded_proto,
    )
    sys.stdout.write(render(settings))


if __name__ == "__main__":
    main()

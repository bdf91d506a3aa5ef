"""HMAC-SHA256 request signing shared by webhooks and the HTTP scorer.

The signature covers the timestamp and the exact body bytes: `sha256=HEX(HMAC(secret,
"<timestamp>.<body>"))`, sent as `X-Parley-Signature` with `X-Parley-Timestamp`, so a receiver
can refuse replays older than a few minutes. docs/pipeline.md shows how to verify it.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Parley-Signature"
TIMESTAMP_HEADER = "X-Parley-Timestamp"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = int(now if now is not None else time.time())
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(
    secret: str,
    body: bytes,
    *,
    timestamp: str,
    signature_header: str,
    tolerance_seconds: int = 300,
    now: float | None = None,
) -> bool:
    """What a receiver does (also used by our tests): constant-time compare, bounded age."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = now if now is not None else time.time()
    if abs(current - ts) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, ts, body), signature_header or "")

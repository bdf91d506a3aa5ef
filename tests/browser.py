"""What every browser test shares: Debian's Chromium, its launch flags, the skip (with its
reason) when it is absent, where screenshots go, and the check for CSP violations."""

from collections.abc import Iterable
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying hosts this machine cannot
# reach; the browser tests need only the live server on localhost.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"{CHROMIUM} is absent: run .ci/browser-setup (apt-get install chromium)",
    ),
]


def csp_violations(console: Iterable[str]) -> list[str]:
    """The console messages in which Chromium reports a Content-Security-Policy violation."""
    return [message for message in console if "Content Security Policy" in message]

"""Give the demo site its documented SSO secret and, with --serve, run the demo host page."""

import os
import signal
import threading
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from comments.models import Site
from embed.demo_host import DEMO_SSO_SECRET, make_demo_host
from embed.services import sso_secret_set


class Command(BaseCommand):
    help = "Set the demo site's SSO secret; with --serve ADDR:PORT also serve the demo host page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", default="demo")
        parser.add_argument("--secret", default=DEMO_SSO_SECRET)
        parser.add_argument("--parley-url", default="http://127.0.0.1:8000")
        parser.add_argument("--serve", metavar="ADDR:PORT", help="e.g. 127.0.0.1:8001")

    def handle(self, *args, **options) -> None:
        site = Site.objects.filter(slug=options["site"]).first()
        if site is None:
            raise CommandError(f"No site {options['site']!r}: run `manage.py load_demo` first.")
        sso_secret_set(site=site, secret=options["secret"])
        self.stdout.write(
            f"SSO secret of site {site.slug!r} set (the demo value, never for production)."
        )
        if not options["serve"]:
            return
        host, _, port = options["serve"].rpartition(":")
        try:
            server = make_demo_host(
                host or "127.0.0.1",
                int(port),
                parley_url=options["parley_url"],
                site=site.slug,
                secret=options["secret"],
            )
        except OSError as exc:
            # One line, not a traceback: `make demo` checks first, but a race can still lose.
            raise CommandError(
                f"Cannot serve the demo host page on {options['serve']}: {exc.strerror}."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Demo host page: {server.origin}/"))
        # `make demo` starts this in the background, where the shell ignores SIGINT: take it
        # back, and stop when the parent (make) goes, so port 8001 is never left taken.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        # shutdown() waits for serve_forever() to return: called from the handler, which runs
        # on the serving thread, it would wait forever. Ask from another thread.
        signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
        parent = os.getppid()

        def watch_parent() -> None:
            while os.getppid() == parent:
                time.sleep(1)
            server.shutdown()

        threading.Thread(target=watch_parent, daemon=True).start()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

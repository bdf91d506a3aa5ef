"""The WSGI application: Django's, behind the fast path (comments.fastpath.FastPathApp), which
answers cached anonymous thread pages and counts before Django builds a request."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

django_application = get_wsgi_application()

from comments.fastpath import FastPathApp  # noqa: E402 - needs the apps loaded above

application = FastPathApp(django_application)

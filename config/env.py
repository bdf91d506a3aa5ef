"""Reading settings from environment variables (each documented in docs/operating.md).

django-environ does the reading and casting. Two rules of ours sit on top, because a
misread production setting fails silently otherwise: an empty variable counts as unset
(``FOO=`` in an env file means "use the default"), and a boolean that is neither true nor
false refuses to start instead of reading as false (``SECURE_SSL_REDIRECT=ture``).
"""

from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_FALSE_STRINGS = ("false", "off", "no", "n", "0")


class Env(environ.Env):
    """``environ.Env`` with empty-means-unset and strict booleans."""

    def get_value(
        self,
        var: str,
        cast: Any = None,
        default: Any = environ.Env.NOTSET,
        parse_default: bool = False,
    ) -> Any:
        if self.ENVIRON.get(var) == "":
            if default is self.NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable")
            return default
        return super().get_value(var, cast=cast, default=default, parse_default=parse_default)

    @classmethod
    def parse_value(cls, value: Any, cast: Any) -> Any:
        if cast is bool and isinstance(value, str):
            word = value.strip().lower()
            if word not in cls.BOOLEAN_TRUE_STRINGS and word not in _FALSE_STRINGS:
                raise ImproperlyConfigured(f"Expected a boolean (true/false), got {value!r}")
        return super().parse_value(value, cast)


env = Env()

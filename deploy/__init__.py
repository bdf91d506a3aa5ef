"""Running Parley in production: nginx and gunicorn configurations (docs/operating.md)."""

"""The operator's view: health endpoints and Prometheus metrics (docs/operating.md).

Plumbing under every app, like `api`: it imports no app, so any app may record a metric
(`ops.metrics`). Its own reads of the comments' tables go through the app registry.
"""

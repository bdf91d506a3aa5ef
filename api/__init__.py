"""The HTTP API's shared plumbing, used by every app's `apis.py`: the base view (`views`), the
error shapes the schema documents (`schema`), and the input and output helpers (`views`).

Domain errors (`ParleyError` and its kinds) live with the bottom app, in comments.errors, with
the one exception handler that maps them to HTTP (config names it). This package imports
nothing from the apps but those errors and comments' throttles.
"""

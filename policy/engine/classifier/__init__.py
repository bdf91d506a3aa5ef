"""Parley's built-in offline comment classifier (issue 15): pure Python, no network.

``get_model().score(text)`` gives per-label probabilities and, on demand, the
words that weighed most.  The ``classifier`` rule kind
(:mod:`policy.engine.rules.classifier`) puts it in the policy document; see
``docs/classifier.md`` for the model, its figures and how to rebuild it.
"""

from policy.engine.classifier.model import MODEL_PATH, Model, ModelError, Scores, Span, get_model

LABELS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "insult",
    "threat",
    "identity_attack",
    "sexual_explicit",
)

__all__ = ["LABELS", "MODEL_PATH", "Model", "ModelError", "Scores", "Span", "get_model"]

"""Hold thresholds for the default policy's classifier rules, chosen with the rules beside them.

    .venv/bin/python -m training.policy_thresholds [--data FILE] [--policy FILE]

``python -m training`` sets each label's hold threshold above (nearly) every clean
VALIDATION comment. Some of those clean comments are ones the policy's word rules hold anyway
(a "clean" tweet with a swear word the profanity clause holds), so that threshold also pays
for clean comments already held, and sits higher than the policy needs. This prints, per
label, the threshold at which the policy's classifier hold adds at most the same share of
clean validation comments to what the rest of the policy already holds (the model's
``HOLD_RATE``), and how many more labelled comments that holds. Read only the validation
split; the policy document is not changed (copy a figure into it by hand, and say so in its
comment).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import replace
from pathlib import Path

from policy.engine import Action, Engine, Policy, load_policy
from policy.engine.classifier import get_model
from policy.engine.rules.classifier import without_known_senses
from training.train import HOLD_RATE, load_rows, split, threshold_above

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POLICY = ROOT / "policy" / "default_policy.toml"


def without_label(policy: Policy, label: str) -> Policy:
    """The policy without its classifier rules for ``label``."""
    clauses = tuple(
        replace(
            c,
            rules=tuple(
                r for r in c.rules if not (r.rule == "classifier" and r.params["label"] == label)
            ),
        )
        for c in policy.clauses
    )
    return replace(policy, clauses=clauses)


def marginal_threshold(clean_scores: list[float], n_clean: int, rate: float = HOLD_RATE) -> float:
    """The lowest threshold (6 decimals, rounded up) that lets at most ``floor(rate * n_clean)``
    of ``clean_scores`` (clean comments the rest of the policy publishes) reach it."""
    allowed = math.floor(rate * n_clean)
    ranked = sorted(clean_scores, reverse=True)
    if len(ranked) <= allowed:
        return 0.5
    return threshold_above(ranked[allowed])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.policy_thresholds")
    parser.add_argument("--data", type=Path, default=None, help="training JSONL")
    parser.add_argument("--policy", type=Path, default=DEFAULT_POLICY)
    args = parser.parse_args(argv)

    model = get_model()
    policy = load_policy(args.policy.read_text("utf-8"))
    _, val, _ = split(load_rows(args.data), model.meta["split"]["seed"])
    clean = [r for r in val if r.trusted_clean]
    scores = [model.score(without_known_senses(r.text)).probabilities() for r in val]
    print(f"validation: {len(val)} comments, {len(clean)} clean; hold rate {HOLD_RATE}")
    for label in model.labels:
        engine = Engine(without_label(policy, label))
        published = [engine.evaluate(r.text).action is Action.PUBLISH for r in val]
        free = [
            s[label]
            for r, s, p in zip(val, scores, published, strict=True)
            if r.trusted_clean and p
        ]
        t = marginal_threshold(free, len(clean))
        model_hold = model.meta["thresholds"][label]["hold"]
        gained = {
            name: sum(
                1
                for r, s, p in zip(val, scores, published, strict=True)
                if p and r.positive(label) and s[label] >= th
            )
            for name, th in (("marginal", t), ("model", model_hold))
        }
        positives = sum(1 for r in val if r.positive(label))
        print(
            f"{label:16} model hold {model_hold:.6f} (+{gained['model']} of {positives})"
            f"  with the rules: {t:.6f} (+{gained['marginal']} of {positives})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

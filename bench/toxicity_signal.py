"""Would alt-profanity-check (an offline toxicity model shipped inside its package) earn a place
beside the default policy? Measured on our corpora, never adopted by default.

    .venv/bin/pip install alt-profanity-check    # not a dependency of Parley: ~300 MB
    .venv/bin/python bench/toxicity_signal.py

For each corpus (tests/policy/engine/corpus: the dev sets the policy was tuned on, and the
hold-out sets it never was) it prints what the default policy holds or rejects, what the model
would add as a "hold for review" signal at a few thresholds, and the model's cost per comment.
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policy.engine import Context, Engine, load_policy  # noqa: E402 - after the path

CORPUS = ROOT / "tests" / "policy" / "engine" / "corpus"
THRESHOLDS = (0.5, 0.8, 0.9)


def lines(path: Path) -> list[str]:
    stripped = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


def main() -> None:
    try:
        from profanity_check import predict_prob
    except ImportError:
        sys.exit("Install it first: .venv/bin/pip install alt-profanity-check")
    engine = Engine(load_policy((ROOT / "policy" / "default_policy.toml").read_text()))
    # An established author, so that only the text decides.
    context = Context(author_approved_count=10)
    print(
        f"{'corpus':28} {'lines':>5} {'policy':>6}  "
        + "  ".join(f"+model>={t}" for t in THRESHOLDS)
    )
    for path in sorted(CORPUS.glob("*.txt")):
        texts = lines(path)
        policy = [engine.evaluate(text, context).action.value != "publish" for text in texts]
        probs = predict_prob(texts)
        added = [
            sum(p >= t and not held for p, held in zip(probs, policy, strict=True))
            for t in THRESHOLDS
        ]
        print(
            f"{path.name:28} {len(texts):>5} {sum(policy):>6}  "
            + "  ".join(f"{a:>10}" for a in added)
        )
    sample = lines(CORPUS / "clean.txt")[:200]
    predict_prob(sample[:5])
    times = []
    for text in sample:
        started = time.perf_counter()
        predict_prob([text])
        times.append(time.perf_counter() - started)
    print(f"\nmodel, one comment at a time: median {statistics.median(times) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()

"""Rebuild Parley's built-in classifier from the training data, deterministically.

    .venv/bin/pip install -e '.[dev,train]'
    .venv/bin/python -m training            # or: python -m training.train [--data FILE]

Reads the records of ``training.sources.load_records()`` (or ``--data``, a
JSONL file of ``{"text", "source", "labels"}``), de-duplicates them by
normalised text, orders them by the sha256 of that text, and splits them into
train / validation / test (80 / 10 / 10) with a fixed seed, stratified by
source and by which label (if any) each record carries.  Two kinds of model
(each with C = 0.5, 1 and 2 by default; ``--C`` tries others) are fitted on the
train split and compared on VALIDATION only:

* ``lr``: logistic regression over unit-length tf-idf word, word-pair and
  character 3-5-gram features (:mod:`policy.engine.classifier.features`);
* ``nblr``: the same, with each feature scaled per label by its naive-Bayes
  log-count ratio (NB-SVM, Wang and Manning 2012) before the regression.

Each label keeps the candidate with the higher validation recall at its hold
threshold (then the higher average precision); per-label thresholds are chosen
on validation too.  The test split is scored once at the end, for the record.  Writes
``policy/engine/classifier/model/parley-classifier.bin.gz`` and
``.../model/metrics.json``; the same data and code give the same bytes.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policy.engine.classifier import LABELS
from policy.engine.classifier.features import FEATURES_VERSION, features
from policy.engine.classifier.model import MODEL_PATH, dump_model
from training import group_mentions

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path("/work/data/parley-train.jsonl")
METRICS_PATH = MODEL_PATH.parent / "metrics.json"
SEED = 15
# Comments written under news articles, Parley's domain: few (3,177 Civil Comments and 1,519 Fox
# News of 116,661 texts), so each counts NEWS_WEIGHT times in the fit (chosen on validation
# among 5, 15 and 30: docs/classifier.md).
NEWS_SOURCES = ("civil_comments_scored", "civil_comments_binary", "fox_news_2017")
NEWS_WEIGHT = 15.0
# Sources whose "not offensive" rows are not trusted as clean: Davidson et al.'s "neither" and
# HateXplain's "normal" tweets and Gab posts include slurs, "hoes" and insults that their raters
# let pass in that context (the default policy's rules hold 31 % of HateXplain's "normal" posts
# and 9 % of Davidson's "neither"). As negatives they taught the model that such words are
# often clean, and as clean validation comments they pushed every threshold up, which cost
# recall on news comments (docs/classifier.md). Their rows stay in the split and in every
# evaluation; only their clean rows are left out of the fit and out of the clean comments
# thresholds are set on. TweetEval's "not offensive" (4 % held by the rules) stays trusted:
# leaving it out too taught the model that a tweet's style ("@USER", "URL") is offensive.
UNTRUSTED_CLEAN = ("davidson_2017", "hatexplain")
# Neutral and positive sentences naming groups, generated (training.group_mentions), added to
# the training part only, each weighing GROUP_WEIGHT in the fit (0: left out). Chosen on
# validation among 1, 4, 12 and 40 (docs/classifier.md): identity attack's recall at its hold
# rose with the weight up to 12 and no further; the other labels did not move.
GROUP_WEIGHT = 12.0
SPLIT = (0.8, 0.1, 0.1)
POSITIVE = 0.5  # a label holds when at least half the raters gave it
MAX_TRAIN = 400_000  # training rows kept (all with a positive label, clean ones sampled)
MIN_DF = 3
MAX_VOCAB = 300_000
# Inverse regularisation strengths tried for each candidate; each label takes the best of the
# six on validation. 0.5 and 2 beside 1 raised validation recall at the hold on five labels of
# the 116,661-text build, at about three times the training time; C=4 lost to C=1 on
# validation in both builds before it (docs/classifier.md).
C = (0.5, 1.0, 2.0)
# Clean-comment flag rates at which thresholds are set, per label (hold, flag):
# each label may hold 0.05 % of the clean validation comments (with ~1,600 of them: none),
# leaving room for the rules; thresholds from so few clean comments are noisy, so err high.
HOLD_RATE = 0.0005
FLAG_RATE = 0.004
REJECT_PRECISION = 0.99
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Row:
    key: str  # sha256 of the normalised text
    text: str
    source: str
    labels: dict[str, float | None]

    def positive(self, label: str) -> bool | None:
        """Whether the label holds; None where the source does not say.

        A comment rated not toxic carries no other label either, so a source that rates only
        toxicity (an offensive / not offensive tweet, a Fox News comment) still teaches every
        label what clean text looks like: political tweets about "liberals" and "taxpayers"
        are identity-attack negatives, not unknowns.
        """
        v = self.labels.get(label)
        if v is None:
            tox = self.labels.get("toxicity")
            return False if tox is not None and tox < POSITIVE else None
        return v >= POSITIVE

    @property
    def toxic(self) -> bool:
        return any(v is not None and v >= POSITIVE for v in self.labels.values())

    @property
    def clean(self) -> bool:
        """Known to be clean: rated for toxicity and below half on every rated label.

        (A "not hate" tweet may still be offensive: with no toxicity rating it is not clean.)
        """
        return self.labels.get("toxicity") is not None and not self.toxic

    @property
    def trusted_clean(self) -> bool:
        """Clean, from a source whose clean rows are trusted (UNTRUSTED_CLEAN)."""
        return self.clean and self.source not in UNTRUSTED_CLEAN


def normalised(text: str) -> str:
    return _WS.sub(" ", text.lower()).strip()


def _records(data: Path | None) -> Iterator[tuple[str, str, dict]]:
    if data is None:
        try:
            from training.sources import load_records
        except ImportError:
            data = DEFAULT_DATA
        else:
            for r in load_records():
                yield r.text, r.source, dict(r.labels)
            return
    with data.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                d = json.loads(line)
                yield d["text"], d["source"], d.get("labels") or {}


def load_rows(data: Path | None = None) -> list[Row]:
    """Every distinct text once (the first by source name wins), ordered by its hash."""
    by_key: dict[str, Row] = {}
    for text, source, labels in _records(data):
        if not isinstance(text, str) or not text.strip():
            continue
        key = hashlib.sha256(normalised(text).encode()).hexdigest()
        clean = {k: (None if labels.get(k) is None else float(labels[k])) for k in LABELS}
        row = Row(key, text, source, clean)
        old = by_key.get(key)
        if old is None or (old.source, old.text) > (source, text):
            by_key[key] = row
    return [by_key[k] for k in sorted(by_key)]


def _stratum(row: Row) -> tuple[str, str]:
    for label in ("threat", "identity_attack", "sexual_explicit", "obscene", "insult"):
        if row.positive(label):
            return row.source, label
    return row.source, "toxic" if row.toxic else "clean"


def split(rows: Sequence[Row], seed: int = SEED) -> tuple[list[Row], list[Row], list[Row]]:
    """Train / validation / test, stratified by source and label, fixed by ``seed``.

    Each stratum is shuffled by a generator seeded with ``seed`` and the stratum's own name,
    so adding a source (or rows to one source) never moves another stratum's rows between
    the parts: a comment once in the test split stays there.
    """
    strata: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        strata.setdefault(_stratum(row), []).append(row)
    parts: tuple[list[Row], list[Row], list[Row]] = ([], [], [])
    for name in sorted(strata):
        group = strata[name]
        rng = random.Random(f"{seed}/{name[0]}/{name[1]}")  # noqa: S311 - reproducible, no secret
        rng.shuffle(group)
        n = len(group)
        a = round(n * SPLIT[0])
        b = a + round(n * SPLIT[1])
        parts[0].extend(group[:a])
        parts[1].extend(group[a:b])
        parts[2].extend(group[b:])
    for part in parts:
        part.sort(key=lambda r: r.key)
    return parts


def generated_rows(rows: Sequence[Row]) -> list[Row]:
    """training.group_mentions' sentences as clean rows (toxicity 0, no other label), except
    those whose normalised text is already among `rows` (the real comment wins)."""
    taken = {r.key for r in rows}
    out: dict[str, Row] = {}
    for text in group_mentions.sentences():
        key = hashlib.sha256(normalised(text).encode()).hexdigest()
        if key not in taken and key not in out:
            labels: dict[str, float | None] = dict.fromkeys(LABELS)
            labels["toxicity"] = 0.0
            out[key] = Row(key, text, group_mentions.SOURCE, labels)
    return [out[k] for k in sorted(out)]


def subsample(rows: Sequence[Row], limit: int, seed: int) -> list[Row]:
    if len(rows) <= limit:
        return list(rows)
    toxic = [r for r in rows if r.toxic]
    clean = [r for r in rows if not r.toxic]
    rng = random.Random(seed + 1)  # noqa: S311 - a reproducible sample
    keep = rng.sample(clean, max(0, limit - len(toxic)))
    return sorted(toxic + keep, key=lambda r: r.key)


def label_matrix(rows: Sequence[Row]) -> dict[str, list[bool | None]]:
    return {label: [r.positive(label) for r in rows] for label in LABELS}


# --- features ---------------------------------------------------------------


def build_vocabulary(feature_sets: Iterable[Counter[str]]) -> list[str]:
    df: Counter[str] = Counter()
    for fs in feature_sets:
        df.update(fs)
    kept = sorted((f for f, n in df.items() if n >= MIN_DF), key=lambda f: (-df[f], f))
    return sorted(kept[:MAX_VOCAB])


def count_matrix(feature_sets: Sequence[Counter[str]], vocabulary: Sequence[str]) -> Any:
    import numpy as np
    from scipy import sparse

    index = {f: i for i, f in enumerate(vocabulary)}
    indptr = [0]
    indices: list[int] = []
    counts: list[int] = []
    for fs in feature_sets:
        cols = sorted((index[f], n) for f, n in fs.items() if f in index)
        indices.extend(i for i, _ in cols)
        counts.extend(n for _, n in cols)
        indptr.append(len(indices))
    data = np.array(counts, dtype=np.float64)
    return sparse.csr_matrix(
        (data, np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
        shape=(len(feature_sets), len(vocabulary)),
    )


def fit(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score

    started = time.monotonic()

    def say(msg: str) -> None:
        print(f"[{time.monotonic() - started:7.1f}s] {msg}", flush=True)

    rows = load_rows(args.data)
    if args.leave_out:
        # A source left out entirely (never fitted, never chosen on), so that the bench can ask
        # how the recipe does on comments from a source it never saw (bench/moderation_quality.py
        # --model). The split is per source and label, so the other sources' parts are unchanged.
        rows = [r for r in rows if r.source not in args.leave_out]
    train_all, val, test = split(rows, args.seed)
    extra = (
        generated_rows(rows)
        if args.group_weight > 0 and group_mentions.SOURCE not in args.leave_out
        else []
    )
    train = subsample(sorted(train_all + extra, key=lambda r: r.key), args.max_train, args.seed)
    say(
        f"{len(rows)} rows: "
        f"train {len(train)} of {len(train_all)} + {len(extra)} generated, "
        f"val {len(val)}, test {len(test)}"
    )
    fs_train = [features(r.text) for r in train]
    vocabulary = build_vocabulary(fs_train)
    say(f"vocabulary {len(vocabulary)}")
    X_train = count_matrix(fs_train, vocabulary)
    del fs_train
    X_val = count_matrix([features(r.text) for r in val], vocabulary)
    n_docs = X_train.shape[0]
    B_train = (X_train > 0).astype(np.float64)
    df = np.asarray(B_train.sum(axis=0)).ravel()
    idf = np.log((1 + n_docs) / (1 + df)) + 1.0
    idf2 = (idf * idf).astype(np.float32)

    def normalise(X: Any) -> tuple[Any, Any]:
        norms = np.sqrt(X @ idf2.astype(np.float64))
        norms[norms == 0] = 1.0
        return sparse.diags(1.0 / norms) @ X @ sparse.diags(idf), norms

    Xn_train, _ = normalise(X_train)
    val_norms = normalise(X_val)[1]
    Y_train = label_matrix(train)
    Y_val = label_matrix(val)
    # A label is learnt when it has 20 positives from at least two sources: positives from one
    # source alone (sexual_explicit: 146 Civil Comments) teach that source's style.
    labels = [
        lb
        for lb in LABELS
        if sum(1 for v in Y_train[lb] if v) >= 20
        and len({r.source for r, v in zip(train, Y_train[lb], strict=True) if v}) >= 2
    ]
    clean_val = np.array([r.trusted_clean for r in val])

    # A source that rates a label only one way (TweetEval hate gives toxicity to its hateful
    # tweets and leaves the others unrated) teaches its topic, not the label: each label is
    # learnt from the sources that rate it both ways. A source that rates toxicity both ways
    # rates every other label too, by implication: its clean comments carry none (Row.positive),
    # its toxic ones are unknown for the labels it does not name.
    def rates_both_ways(label: str, source: str) -> bool:
        seen = {v for r, v in zip(train, Y_train[label], strict=True) if r.source == source}
        return seen >= {True, False}

    train_sources = {r.source for r in train}
    both = {
        label: {
            source
            for source in train_sources
            if rates_both_ways(label, source) or rates_both_ways("toxicity", source)
        }
        for label in labels
    }
    # The generated group mentions rate toxicity one way only, on purpose: they are there to
    # teach every label that a group's name alone is not abuse.
    if extra:
        for label in labels:
            both[label].add(group_mentions.SOURCE)
    say(f"sources each label is learnt from: {both}")

    # The same for every fit: news comments' weight, and which rows may teach at all (not the
    # untrusted clean ones).
    source_weight = {source: args.news_weight for source in NEWS_SOURCES}
    source_weight[group_mentions.SOURCE] = args.group_weight
    weight = np.array([source_weight.get(r.source, 1.0) for r in train])
    usable = [r.trusted_clean or not r.clean for r in train]

    def fit_one(kind: str, c: float, label: str) -> tuple[Any, float]:
        known = np.array(
            [
                ok and v is not None and r.source in both[label]
                for r, v, ok in zip(train, Y_train[label], usable, strict=True)
            ]
        )
        y = np.array([bool(v) for v in Y_train[label]])[known]
        scale = np.ones(len(vocabulary))
        if kind == "nblr":
            X = B_train[known]
            # The log-count ratio counts each comment with its weight in the fit (news
            # comments, generated sentences), as the regression does; --nb-counts: once each.
            w_known = np.ones(X.shape[0]) if args.nb_counts else weight[known]
            p = 1.0 + np.asarray(X[y].T @ w_known[y]).ravel()
            q = 1.0 + np.asarray(X[~y].T @ w_known[~y]).ravel()
            scale = np.log((p / p.sum()) / (q / q.sum()))
        model = LogisticRegression(
            C=c,
            solver="liblinear",
            class_weight="balanced",
            max_iter=200,
            random_state=args.seed,
        )
        model.fit(Xn_train[known] @ sparse.diags(scale), y, sample_weight=weight[known])
        return (model.coef_.ravel() * scale * idf).astype(np.float32), float(model.intercept_[0])

    # liblinear releases the GIL: two labels at a time on two cores, each fit independent.
    kinds = {f"{kind}-C{c:g}": (kind, c) for kind in ("lr", "nblr") for c in args.C}
    jobs = [(name, label) for name in kinds for label in labels]
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = pool.map(lambda job: fit_one(*kinds[job[0]], job[1]), jobs)
        fitted = dict(zip(jobs, results, strict=True))
    candidates: dict[str, dict[str, Any]] = {}
    for name in kinds:
        weights: dict[str, Any] = {}
        intercepts: dict[str, float] = {}
        report: dict[str, Any] = {}
        for label in labels:
            w, b = fitted[name, label]
            weights[label], intercepts[label] = w, b
            z = b + (X_val @ w.astype(np.float64)) / val_norms
            report[label] = _label_report(z, Y_val[label], clean_val, average_precision_score)
            say(f"{name} {label}: {report[label]}")
        report["_selection"] = float(np.mean([report[lb]["recall_at_hold_rate"] for lb in labels]))
        candidates[name] = {"weights": weights, "intercepts": intercepts, "validation": report}
        say(f"{name}: mean validation recall at the hold rate {report['_selection']:.4f}")

    # Each label takes the candidate with the higher validation recall at its hold rate (then
    # the higher average precision): the candidates share the vocabulary and the idf, and a
    # label's weights and intercept are all the runtime reads, so labels need not agree.
    def merit(name: str, label: str) -> tuple[float, float]:
        report = candidates[name]["validation"][label]
        return (report["recall_at_hold_rate"], report["average_precision"] or 0.0)

    per_label = {
        lb: max(sorted(candidates), key=functools.partial(merit, label=lb)) for lb in labels
    }
    best = {
        "weights": {lb: candidates[per_label[lb]]["weights"][lb] for lb in labels},
        "intercepts": {lb: candidates[per_label[lb]]["intercepts"][lb] for lb in labels},
        "validation": {lb: candidates[per_label[lb]]["validation"][lb] for lb in labels},
    }
    chosen = "+".join(sorted(set(per_label.values())))
    say(f"chosen per label: {per_label}")

    thresholds = {lb: best["validation"][lb]["thresholds"] for lb in labels}
    X_test = count_matrix([features(r.text) for r in test], vocabulary)
    test_norms = normalise(X_test)[1]
    Y_test = label_matrix(test)
    clean_test = np.array([r.trusted_clean for r in test])
    test_report = {}
    for label in labels:
        w = best["weights"][label].astype(np.float64)
        z = best["intercepts"][label] + (X_test @ w) / test_norms
        test_report[label] = _fixed_report(z, Y_test[label], clean_test, thresholds[label])

    # A few validation comments scored by this (numpy) pipeline, for the runtime's
    # equivalence test (tests/policy/engine/test_classifier.py).
    picks = sorted(range(len(val)), key=lambda i: (not val[i].toxic, val[i].key))[:4]
    picks += [i for i in range(len(val)) if val[i].clean][:4]
    X_pick = X_val[picks]
    pick_norms = normalise(X_pick)[1]
    samples = [
        {
            "text": val[i].text,
            "probabilities": {
                lb: float(
                    1.0
                    / (
                        1.0
                        + math.exp(
                            -(
                                best["intercepts"][lb]
                                + (X_pick[k] @ best["weights"][lb].astype(np.float64))[0]
                                / pick_norms[k]
                            )
                        )
                    )
                )
                for lb in labels
            },
        }
        for k, i in enumerate(picks)
    ]
    sources = Counter(r.source for r in rows)
    meta = {
        "format": 1,
        "features_version": FEATURES_VERSION,
        "labels": labels,
        "intercepts": best["intercepts"],
        "candidate": per_label,
        "C": {lb: kinds[per_label[lb]][1] for lb in labels},
        "min_df": MIN_DF,
        "split": {
            "seed": args.seed,
            "fractions": list(SPLIT),
            "rows": len(rows),
            "train": len(train_all),
            "generated": len(extra),
            "train_used": len(train),
            "validation": len(val),
            "test": len(test),
        },
        "data_sha256": hashlib.sha256("\n".join(r.key for r in rows).encode()).hexdigest(),
        "sources": dict(sorted(sources.items())),
        "thresholds": thresholds,
        "label_sources": {label: sorted(both[label]) for label in labels},
        "news_weight": args.news_weight,
        "group_weight": args.group_weight,
        "nb_weighted": not args.nb_counts,
        "news_sources": list(NEWS_SOURCES),
        "untrusted_clean": list(UNTRUSTED_CLEAN),
        "left_out": sorted(args.leave_out),
    }
    data = dump_model(
        args.out, meta, vocabulary, idf2.tolist(), {lb: best["weights"][lb] for lb in labels}
    )
    metrics = {
        "model_sha256": hashlib.sha256(data).hexdigest(),
        "model_bytes": len(data),
        "vocabulary": len(vocabulary),
        "chosen": chosen,
        "chosen_per_label": per_label,
        "why": "per label, the higher validation recall at the hold rate (then average precision)",
        "validation": {n: c["validation"] for n, c in candidates.items()},
        "test": test_report,
        "meta": meta,
        "samples": samples,
    }
    args.metrics.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    say(f"wrote {args.out} ({len(data)} bytes) and {args.metrics}")
    return metrics


def _threshold_at_rate(z_clean: Any, rate: float) -> float:
    """The lowest probability threshold that flags at most ``rate`` of the clean scores."""
    import numpy as np

    if len(z_clean) == 0:
        return 0.99
    s = np.sort(z_clean)[::-1]
    k = math.floor(rate * len(s))
    z = s[k] if k < len(s) else s[-1]
    return threshold_above(1.0 / (1.0 + math.exp(-float(z))))


def threshold_above(p: float) -> float:
    """The 6-decimal threshold just above probability `p` (as written into a policy), so a
    comment scoring exactly `p` stays below it."""
    return min(0.999999, round(math.floor(p * 1e6) / 1e6 + 1e-6, 6))


def _label_report(z: Any, y: list[bool | None], clean: Any, aps: Any) -> dict[str, Any]:
    import numpy as np

    known = np.array([v is not None for v in y])
    yy = np.array([bool(v) for v in y])
    prob = 1.0 / (1.0 + np.exp(-z))
    hold = _threshold_at_rate(z[clean], HOLD_RATE)
    flag = min(hold, _threshold_at_rate(z[clean], FLAG_RATE))
    pos = known & yy
    reject = None
    for t in (0.9999, 0.999, 0.99, 0.98, 0.97, 0.95):
        sel = known & (prob >= t)
        if sel.sum() >= 20 and yy[sel].mean() >= REJECT_PRECISION and t > hold:
            reject = t
    out = {
        "positives": int(pos.sum()),
        "average_precision": round(float(aps(yy[known], prob[known])), 4) if pos.any() else None,
        "thresholds": {"hold": hold, "flag": flag, "reject": reject},
        "recall_at_hold_rate": round(float((prob[pos] >= hold).mean()), 4) if pos.any() else 0.0,
        "recall_at_flag_rate": round(float((prob[pos] >= flag).mean()), 4) if pos.any() else 0.0,
    }
    return out


def _fixed_report(
    z: Any, y: list[bool | None], clean: Any, thresholds: dict[str, Any]
) -> dict[str, Any]:
    import numpy as np

    known = np.array([v is not None for v in y])
    yy = np.array([bool(v) for v in y])
    prob = 1.0 / (1.0 + np.exp(-z))
    pos = known & yy
    hold = prob >= thresholds["hold"]
    return {
        "positives": int(pos.sum()),
        "recall_hold": round(float(hold[pos].mean()), 4) if pos.any() else None,
        "precision_hold": (
            round(float(yy[hold & known].mean()), 4) if (hold & known).any() else None
        ),
        "clean_hold_rate": round(float(hold[clean].mean()), 5) if clean.any() else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__.split("\n")[1])
    parser.add_argument("--data", type=Path, default=None, help="JSONL instead of training.sources")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--metrics", type=Path, default=METRICS_PATH)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--max-train", type=int, default=MAX_TRAIN)
    parser.add_argument(
        "--C", type=float, nargs="+", default=list(C), help="regularisation values tried"
    )
    parser.add_argument(
        "--news-weight",
        type=float,
        default=NEWS_WEIGHT,
        help="weight of a news comment in the fit (1: as any other)",
    )
    parser.add_argument(
        "--group-weight",
        type=float,
        default=GROUP_WEIGHT,
        help="weight of each generated group-mention sentence (training.group_mentions; 0: none)",
    )
    parser.add_argument(
        "--nb-counts",
        action="store_true",
        help="nblr's log-count ratios count each comment once, whatever its weight in the fit "
        "(the recipe before 2026-12-06 07:40)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="labels fitted at once (threads)")
    parser.add_argument(
        "--leave-out",
        action="append",
        default=[],
        metavar="SOURCE",
        help="leave a source out entirely, to evaluate on it as unseen (not for the shipped model)",
    )
    args = parser.parse_args(argv)
    fit(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How well the default policy moderates comments it was never tuned on (issue 15, item 5).

    .venv/bin/python bench/moderation_quality.py [--data FILE] [--limit N] [--clean FILE ...]

Rebuilds the classifier's train / validation / test split from the training
data (``training.sources`` or ``--data``, the seed and fractions read from the
shipped model's metadata) and prints, for the TEST split - never used to fit
or to choose anything - and per source in it:

* recall per label (obscene, insult, threat, identity attack, any toxic): the
  share of comments carrying the label that the policy holds or rejects;
* precision: of the comments held or rejected, the share carrying any label
  (and, per label, of those held under that label's clause, the share carrying
  that label);
* the clean-comment flag rate (held or rejected, among comments with no label);
* how many of the news-vocabulary sentences (tests/policy/engine/corpus/
  news_false_positives.txt) and of the neutral or positive mentions of groups
  (group_mentions.txt) are held or rejected;

again for the news comments among them (Civil Comments, Fox News), and all
for three policies: the default policy (rules and classifier), its rules only,
and its classifier rules only.  ``--clean FILE`` adds clean comments from a
source the model was not trained on (one per line, or JSONL with "text"); the
repository's hand-written hold-out corpus is always reported too.  The
classifier's thresholds in the default policy were chosen on the validation
split (``policy/engine/classifier/model/metrics.json``).  "Flagged" means held
or rejected; a ``flag`` action only raises queue priority and is counted apart.
Needs only the runtime and the data, not scikit-learn.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from policy.engine import Action, Engine, Policy, load_policy  # noqa: E402
from policy.engine.classifier import get_model  # noqa: E402

CORPUS = ROOT / "tests" / "policy" / "engine" / "corpus"
LABEL_CLAUSE = {
    "obscene": "profanity",
    "insult": "civility",
    "threat": "threats",
    "identity_attack": "hate-speech",
}


def _lines(path: Path) -> list[str]:
    out = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("{"):
            out.append(json.loads(line)["text"])
        else:
            out.append(line)
    return out


def _policies() -> dict[str, Engine]:
    full = load_policy((ROOT / "policy" / "default_policy.toml").read_text("utf-8"))

    def keep(pred, *, confirm: bool = True) -> Policy:
        clauses = tuple(
            replace(
                c,
                rules=tuple(
                    r if confirm else replace(r, confirm=None) for r in c.rules if pred(r.rule)
                ),
            )
            for c in full.clauses
        )
        return replace(full, clauses=clauses)

    # "rules only" drops the classifier rules and the classifier's confirmation of the others
    # (``confirm``), so it is the rules as they would act with no model at all.
    return {
        "default policy": Engine(full),
        "rules only": Engine(keep(lambda kind: kind != "classifier", confirm=False)),
        "classifier only": Engine(keep(lambda kind: kind == "classifier")),
    }


def _judge(engine: Engine, texts: list[str]) -> list[tuple[bool, bool, frozenset[str]]]:
    """(held or rejected, flag only, clauses of the hold/reject hits) per text."""
    out = []
    for text in texts:
        v = engine.evaluate(text)
        held = v.action is not Action.PUBLISH
        clauses = frozenset(h.clause_id for h in v.hits if h.action != "flag")
        out.append((held, v.flagged and not held, clauses))
    return out


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:5.1f} % ({n}/{d})" if d else "   n/a"


def _report(title: str, rows, engines: dict[str, Engine], sentences: dict[str, list[str]]) -> None:
    """The table for `rows`; `sentences`: corpora that must publish, by the row naming them."""
    texts = [r.text for r in rows]
    print(f"\n## {title}: {len(rows)} comments")
    positives = {lb: [bool(r.positive(lb)) for r in rows] for lb in (*LABEL_CLAUSE, "toxicity")}
    known = {lb: [r.positive(lb) is not None for r in rows] for lb in LABEL_CLAUSE}
    toxic = [r.toxic for r in rows]
    clean = [r.clean for r in rows]
    # Clean rows of the sources whose "not offensive" labels train.py does not trust
    # (UNTRUSTED_CLEAN: tweets and Gab posts with slurs their raters let pass) are counted
    # above as clean all the same; this line leaves them out.
    trusted = [r.trusted_clean for r in rows]
    header = f"{'measure':<34}" + "".join(f"{name:>26}" for name in engines)
    print(header)
    print("-" * len(header))
    results: dict[str, Any] = {}
    for name, engine in engines.items():
        start = time.perf_counter()
        results[name] = _judge(engine, texts)
        results[name + "/s"] = time.perf_counter() - start
    table: list[tuple[str, list[str]]] = []
    for label, clause in LABEL_CLAUSE.items():
        cells_r, cells_p = [], []
        for name in engines:
            res = results[name]
            pos = positives[label]
            caught = sum(1 for (h, _, _), p in zip(res, pos, strict=True) if h and p)
            cells_r.append(_pct(caught, sum(pos)))
            # Only comments rated for this label: a tweet rated for hate alone says nothing
            # about whether it is obscene.
            cited = [
                p
                for (h, _, cl), p, k in zip(res, pos, known[label], strict=True)
                if h and clause in cl and k
            ]
            cells_p.append(_pct(sum(cited), len(cited)))
        table.append((f"recall {label}", cells_r))
        table.append((f"  precision (held under {clause})", cells_p))
    cells_r, cells_p, cells_c, cells_t, cells_f = [], [], [], [], []
    cells_s = []
    cells_n: dict[str, list[str]] = {measure: [] for measure in sentences}
    for name, engine in engines.items():
        res = results[name]
        held = [h for h, _, _ in res]
        cells_r.append(_pct(sum(h and t for h, t in zip(held, toxic, strict=True)), sum(toxic)))
        seen = sum((h or f) and t for (h, f, _), t in zip(res, toxic, strict=True))
        cells_s.append(_pct(seen, sum(toxic)))
        cells_p.append(_pct(sum(h and t for h, t in zip(held, toxic, strict=True)), sum(held)))
        cells_c.append(_pct(sum(h and c for h, c in zip(held, clean, strict=True)), sum(clean)))
        cells_t.append(_pct(sum(h and c for h, c in zip(held, trusted, strict=True)), sum(trusted)))
        flags = sum(f and c for (_, f, _), c in zip(res, clean, strict=True))
        cells_f.append(_pct(flags, sum(clean)))
        for measure, lines in sentences.items():
            held_lines = sum(h for h, _, _ in _judge(engine, lines))
            cells_n[measure].append(f"{held_lines} of {len(lines)}")
    table += [
        ("recall any toxic", cells_r),
        ("  toxic held or flagged", cells_s),
        ("precision any abuse", cells_p),
        ("clean comments held/rejected", cells_c),
        ("  of trusted sources' clean", cells_t),
        ("clean comments flag-only", cells_f),
        *cells_n.items(),
    ]
    for measure, cells in table:
        print(f"{measure:<34}" + "".join(f"{c:>26}" for c in cells))
    speed = "".join(f"{1e6 * results[n + '/s'] / max(1, len(rows)):>23.0f} µs" for n in engines)
    print(f"{'mean time per comment':<34}{speed}")


# HateCheck (Röttger et al., ACL 2021): 3,728 functional test cases for hate speech, written
# per template and labelled hateful or not by five annotators each; CC BY 4.0. An EVALUATION
# source only: never trained on, and no rule or threshold was chosen by looking at it.
HATECHECK = {
    "name": "hatecheck",
    "repository": "paul-rottger/hatecheck-data",
    "commit": "d84302298ceeb34f4b0dde2d8a1f4932c2caa612",
    "path": "test_suite_cases.csv",
    "sha256": "ecf0dc1e93fccc90b6f880e632b19e635c0f0a68b3157915a9e20b6938f121cf",
    "licence": "CC BY 4.0 (repository LICENSE)",
}
# What each summary line of the HateCheck table counts (functionality names of the suite).
HATECHECK_GROUPS = {
    "threats against a group (recall)": ("threat_dir_h", "threat_norm_h"),
    "identity attacks without a slur (recall)": (
        "derog_neg_emote_h",
        "derog_neg_attrib_h",
        "derog_dehum_h",
        "derog_impl_h",
        "ref_subs_clause_h",
        "ref_subs_sent_h",
        "negate_pos_h",
        "phrase_question_h",
        "phrase_opinion_h",
    ),
    "slurs (recall)": ("slur_h",),
    "disguised spellings (recall)": (
        "spell_char_swap_h",
        "spell_char_del_h",
        "spell_space_del_h",
        "spell_space_add_h",
        "spell_leet_h",
    ),
    "neutral or positive mentions of a group (held)": ("ident_neutral_nh", "ident_pos_nh"),
    "counter-speech quoting or naming hate (held)": ("counter_quote_nh", "counter_ref_nh"),
    "negated hate (held)": ("negate_neg_nh",),
}


def _hatecheck_rows(mirror_root: Path) -> list[dict[str, str]]:
    import csv
    import io

    from training.sources import read_raw

    data = read_raw(mirror_root, HATECHECK, HATECHECK["path"], HATECHECK["sha256"])
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _report_hatecheck(rows: list[dict[str, str]], engines: dict[str, Engine]) -> None:
    print(f"\n## HateCheck functional tests (evaluation only, never tuned on): {len(rows)} cases")
    print(
        "(held = held or rejected; for a non-hateful case a hold may still be right under another"
    )
    print(" clause: profanity, or an insult aimed at a person, which Parley's policy also holds)")
    held = {
        name: [engine.evaluate(r["test_case"]).action is not Action.PUBLISH for r in rows]
        for name, engine in engines.items()
    }
    header = f"{'functionality':<44}" + "".join(f"{name:>22}" for name in engines)
    print(header)
    print("-" * len(header))

    def line(title: str, keep: set[str]) -> None:
        idx = [i for i, r in enumerate(rows) if r["functionality"] in keep]
        cells = "".join(
            f"{_pct(sum(held[name][i] for i in idx), len(idx)):>22}" for name in engines
        )
        print(f"{title:<44}{cells}")

    for title, functionalities in HATECHECK_GROUPS.items():
        line(title, set(functionalities))
    line(
        "all hateful cases (recall)",
        {r["functionality"] for r in rows if r["label_gold"] == "hateful"},
    )
    print()
    for functionality in sorted({r["functionality"] for r in rows}):
        line(f"  {functionality}", {functionality})


class _Line:
    """A hand-labelled line of the repository's corpora."""

    def __init__(self, text: str, toxic: bool) -> None:
        self.text = text
        self.toxic = toxic
        self.clean = self.trusted_clean = not toxic

    def positive(self, label: str) -> bool | None:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="moderation quality on held-out data")
    parser.add_argument("--data", type=Path, default=None, help="training JSONL")
    parser.add_argument("--limit", type=int, default=0, help="score at most N test comments")
    parser.add_argument("--clean", type=Path, action="append", default=[])
    parser.add_argument("--by-source", action="store_true", help="also one table per source")
    parser.add_argument(
        "--hatecheck",
        action="store_true",
        help="also HateCheck's functional tests (a fetched snapshot, see docs/classifier.md)",
    )
    parser.add_argument("--mirror-root", type=Path, default=Path("/work/.mirror"))
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="a model file instead of the shipped one (python -m training --out PATH)",
    )
    args = parser.parse_args(argv)

    from training.train import NEWS_SOURCES, load_rows, split

    if args.model is not None:
        from policy.engine.classifier import model as model_module

        model_module._loaded = model_module.read_model(args.model)
    meta = get_model().meta
    left_out = set(meta.get("left_out", ()))
    engines = _policies()
    sentences = {
        "news-vocabulary sentences held": _lines(CORPUS / "news_false_positives.txt"),
        "group-mention sentences held": _lines(CORPUS / "group_mentions.txt"),
    }
    seed = meta["split"]["seed"]
    print(f"model: {meta['candidate']}, split seed {seed}, sizes {meta['split']}")
    every = load_rows(args.data)
    rows = [r for r in every if r.source not in left_out]
    _, _, test = split(rows, seed)
    if len(test) != meta["split"]["test"]:
        print(f"WARNING: the data changed since training (test {len(test)} rows)")
    if args.limit and len(test) > args.limit:
        step = len(test) / args.limit
        test = [test[int(i * step)] for i in range(args.limit)]
    _report("TEST split (never fitted or tuned on)", test, engines, sentences)
    # The domain: comments under news articles (Civil Comments, Fox News).
    on_news = [r for r in test if r.source in NEWS_SOURCES]
    _report(
        "TEST split, news comments (" + ", ".join(NEWS_SOURCES) + ")", on_news, engines, sentences
    )
    if left_out:
        # Every comment of the sources this model never saw, with the policy's thresholds as
        # written (chosen for the shipped model).
        unseen = [r for r in every if r.source in left_out]
        _report(
            "sources the model never saw (" + ", ".join(sorted(left_out)) + ")",
            unseen,
            engines,
            sentences,
        )
    if args.by_source:
        for source in sorted({r.source for r in test}):
            _report(
                f"TEST split, {source}", [r for r in test if r.source == source], engines, sentences
            )
    holdout = [_Line(t, False) for t in _lines(CORPUS / "holdout_clean.txt")]
    holdout += [_Line(t, True) for t in _lines(CORPUS / "holdout_abusive.txt")]
    _report(
        "repository hold-out corpus (hand-written, not trained on)", holdout, engines, sentences
    )
    if args.hatecheck:
        _report_hatecheck(_hatecheck_rows(args.mirror_root), engines)
    for path in args.clean:
        lines = [_Line(t, False) for t in _lines(path)]
        _report(f"clean comments from {path.name} (not trained on)", lines, engines, sentences)
    return 0


if __name__ == "__main__":
    sys.exit(main())

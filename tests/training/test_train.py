"""python -m training on a tiny synthetic corpus: same data, same bytes; runtime agrees."""

import json
import random

import pytest

pytest.importorskip("sklearn", reason="the train extra: pip install -e '.[train]'")

from policy.engine.classifier.model import read_model
from training.train import Row, generated_rows, load_rows, main, split

CLEAN = [
    *("the", "council", "voted", "on", "the", "new", "transit", "plan", "and", "residents"),
    *("said", "the", "cost", "keeps", "rising", "while", "the", "mayor", "held", "meetings"),
    *("about", "hospital", "nurses", "and", "local", "reporting"),
]
ABUSE = {
    "insult": ["idiot", "moron", "stupid", "loser"],
    "obscene": ["fuck", "shit", "crap"],
    "threat": ["kill", "shoot", "hang"],
    "identity_attack": ["muslims", "gays", "immigrants"],
}
LABELS = ["toxicity", "severe_toxicity", "obscene", "insult", "threat", "identity_attack"]


@pytest.fixture
def corpus(tmp_path):
    rng = random.Random(7)
    lines = []
    for i in range(1200):
        words = rng.sample(CLEAN, 8)
        labels = dict.fromkeys(LABELS, 0.0)
        if rng.random() < 0.4:
            label = rng.choice(sorted(ABUSE))
            words.insert(rng.randrange(8), rng.choice(ABUSE[label]))
            labels[label] = 1.0
            labels["toxicity"] = 0.8
        labels["sexual_explicit"] = None
        source = rng.choice(["a", "b"])
        lines.append(
            json.dumps({"text": " ".join(words) + f" {i}", "source": source, "labels": labels})
        )
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _train(corpus, out_dir, *extra: str):
    out_dir.mkdir()
    model, metrics = out_dir / "model.bin.gz", out_dir / "metrics.json"
    args = ["--data", str(corpus), "--out", str(model), "--metrics", str(metrics), *extra]
    assert main(args) == 0
    return model, metrics


def test_news_comments_weigh_more_in_the_fit(corpus, tmp_path, capsys):
    # Source "b" renamed a news source: its comments count --news-weight times.
    lines = corpus.read_text().replace('"source": "b"', '"source": "civil_comments_binary"')
    corpus.write_text(lines)
    even, _ = _train(corpus, tmp_path / "even", "--news-weight", "1")
    news, _ = _train(corpus, tmp_path / "news", "--news-weight", "5")
    meta_even, meta_news = read_model(even).meta, read_model(news).meta
    assert (meta_even["news_weight"], meta_news["news_weight"]) == (1.0, 5.0)
    assert "civil_comments_binary" in meta_news["news_sources"]
    assert meta_even["intercepts"] != meta_news["intercepts"]


def test_training_is_deterministic(corpus, tmp_path, capsys):
    model_a, metrics_a = _train(corpus, tmp_path / "a")
    model_b, metrics_b = _train(corpus, tmp_path / "b")
    assert model_a.read_bytes() == model_b.read_bytes()
    assert metrics_a.read_text() == metrics_b.read_text()


def test_split_and_choice_are_recorded_and_runtime_agrees(corpus, tmp_path, capsys):
    model_path, metrics_path = _train(corpus, tmp_path / "m")
    metrics = json.loads(metrics_path.read_text())
    meta = metrics["meta"]
    assert meta["split"]["seed"] == 15
    assert meta["split"]["train"] + meta["split"]["validation"] + meta["split"]["test"] == 1200
    assert set(metrics["validation"]) == {
        f"{kind}-C{c}" for kind in ("lr", "nblr") for c in ("0.5", "1", "2")
    }
    # Each label takes the candidate that holds more of its validation positives.
    for label, name in metrics["chosen_per_label"].items():
        assert name in metrics["validation"]
        assert all(
            metrics["validation"][name][label]["recall_at_hold_rate"]
            >= other[label]["recall_at_hold_rate"]
            for other in metrics["validation"].values()
        )
    assert meta["candidate"] == metrics["chosen_per_label"]
    # Each label records the C of the candidate it took.
    for label, name in metrics["chosen_per_label"].items():
        assert name.endswith(f"-C{meta['C'][label]:g}")
    assert "sexual_explicit" not in meta["labels"]  # no positive example: not trained
    model = read_model(model_path)
    for sample in metrics["samples"]:
        scores = model.score(sample["text"])
        for label, expected in sample["probabilities"].items():
            assert scores.probability(label) == pytest.approx(expected, abs=1e-6)


def test_split_is_stratified_and_disjoint(corpus):
    rows = load_rows(corpus)
    train, val, test = split(rows, 15)
    keys = [{r.key for r in part} for part in (train, val, test)]
    assert not (keys[0] & keys[1]) and not (keys[0] & keys[2]) and not (keys[1] & keys[2])
    assert sum(map(len, keys)) == len(rows)
    for part in (val, test):
        share = sum(r.toxic for r in part) / len(part)
        assert 0.3 < share < 0.5
    assert split(rows, 15) == (train, val, test)


def test_a_new_source_moves_no_other_sources_rows(corpus):
    rows = load_rows(corpus)
    before = split(rows, 15)
    extra = [
        Row(f"{n:064x}", f"added comment {n}", "aaa_new_source", {"toxicity": float(n % 2)})
        for n in range(40)
    ]
    after = split(sorted(rows + extra, key=lambda r: r.key), 15)
    for old_part, new_part in zip(before, after, strict=True):
        assert [r for r in new_part if r.source != "aaa_new_source"] == old_part
    assert sum(r.source == "aaa_new_source" for part in after for r in part) == 40


def test_a_comment_rated_not_toxic_is_a_negative_for_every_label():
    clean_tweet = Row("a" * 64, "The liberals will raise taxes.", "tweets", {"toxicity": 0.0})
    offensive = Row("b" * 64, "what a dumb take", "tweets", {"toxicity": 1.0})
    unrated = Row("c" * 64, "not hateful", "hate", {"identity_attack": 0.0})
    assert clean_tweet.positive("identity_attack") is False
    assert clean_tweet.positive("insult") is False
    assert offensive.positive("insult") is None  # offensive: which kind, the source does not say
    assert offensive.positive("toxicity") is True
    assert unrated.positive("insult") is None
    assert unrated.positive("identity_attack") is False


def test_a_source_left_out_is_neither_fitted_nor_split(corpus, tmp_path, capsys):
    # Every fifth comment comes from a third source, "c", which is then left out.
    rows = [json.loads(line) for line in corpus.read_text().splitlines()]
    for i, row in enumerate(rows):
        if i % 5 == 0:
            row["source"] = "c"
    corpus.write_text("".join(json.dumps(row) + "\n" for row in rows))
    model, _ = _train(corpus, tmp_path / "lo", "--leave-out", "c")
    meta = read_model(model).meta
    assert meta["left_out"] == ["c"]
    kept = [r for r in load_rows(corpus) if r.source != "c"]
    assert sum(meta["split"][part] for part in ("train", "validation", "test")) == len(kept)
    assert set(meta["sources"]) == {"a", "b"} and sum(meta["sources"].values()) == len(kept)
    assert "insult" in meta["labels"]
    # The other sources keep the parts they have when nothing is left out.
    full = read_model(_train(corpus, tmp_path / "full")[0]).meta
    assert full["left_out"] == [] and full["split"]["train"] > meta["split"]["train"]
    _, _, test_kept = split(kept, 15)
    _, _, test_all = split(load_rows(corpus), 15)
    assert [r.key for r in test_kept] == [r.key for r in test_all if r.source != "c"]


def test_group_mentions_are_clean_training_rows_only(corpus, tmp_path, capsys):
    rows = load_rows(corpus)
    generated = generated_rows(rows)
    assert len(generated) == len({r.key for r in generated}) > 900
    assert all(
        r.clean and r.trusted_clean and r.source == "parley_group_mentions" for r in generated
    )
    assert all(r.positive(label) is False for r in generated for label in LABELS)
    # A generated sentence equal to a real comment (by normalised text) is not added twice.
    real = Row(generated[0].key, generated[0].text.upper(), "a", {"toxicity": 1.0})
    assert real.key not in {r.key for r in generated_rows([real])}

    none, _ = _train(corpus, tmp_path / "none", "--group-weight", "0")
    some, _ = _train(corpus, tmp_path / "some", "--group-weight", "2")
    meta_none, meta_some = read_model(none).meta, read_model(some).meta
    assert (meta_none["group_weight"], meta_some["group_weight"]) == (0.0, 2.0)
    # Added to the training part only: the split the model reports is the real comments'.
    split_none, split_some = dict(meta_none["split"]), dict(meta_some["split"])
    assert (split_none.pop("generated"), split_some.pop("generated")) == (0, len(generated))
    assert split_some.pop("train_used") == split_none.pop("train_used") + len(generated)
    assert split_none == split_some
    assert meta_none["intercepts"] != meta_some["intercepts"]
    assert "parley_group_mentions" not in meta_none["label_sources"]["identity_attack"]
    assert all("parley_group_mentions" in s for s in meta_some["label_sources"].values())
    # "muslims" is the corpus's identity attack; clean sentences naming Muslims lower its score.
    sentence = "Muslims have lived in this city for generations."
    assert read_model(some).score(sentence).probability("identity_attack") < read_model(none).score(
        sentence
    ).probability("identity_attack")

"""training.sources: normalisation, hashing, each source's label mapping, the sha256 check.

No network and no fetched data: each source is exercised on a tiny inline
sample in its raw format, inside a throwaway git snapshot.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from training.sources import (
    LABELS,
    MANIFEST,
    TEXT_HASHES,
    Record,
    SourceError,
    dedupe,
    export,
    generated_records,
    load_records,
    normalised,
    parse_civil_comments_binary,
    parse_civil_comments_scored,
    parse_davidson,
    parse_fox_news,
    parse_hatexplain_tsv,
    parse_jigsaw_toxic,
    parse_sbic_csv,
    parse_stormfront,
    parse_surge_toxicity,
    parse_toxichat_jsonl,
    parse_toxigen_prompts,
    parse_tweeteval,
    parse_wiki_toxicity,
    text_dir_digest,
    text_sha256,
    write_hashes,
)

DAVIDSON = (
    b",count,hate_speech,offensive_language,neither,class,tweet\n"
    b"0,3,0,0,3,2,RT @a: clean up your house &amp; take the trash out\n"
    b"1,3,0,3,0,1,you are a total jerk\n"
    b"2,6,4,1,1,0,some hateful tweet\n"
)
JIGSAW = (
    b"comment_text,toxic,severe_toxic,obscene,threat,insult,identity_hate\n"
    b"thanks for the edit,0,0,0,0,0,0\n"
    b'"what a mess, you idiot",1,0,1,0,1,0\n'
    b"i will hurt you,1,1,0,1,0,1\n"
)


def test_normalised_lowercases_collapses_and_strips() -> None:
    assert normalised("  Hello\tWORLD\n\n again  ") == "hello world again"
    assert normalised("\u00a0Été\u2003x ") == "été x"
    assert normalised(" \n\t ") == ""


def test_text_sha256_is_sha256_of_the_normalised_utf8() -> None:
    expected = hashlib.sha256(b"hello world").hexdigest()
    assert text_sha256("Hello   World ") == expected
    assert text_sha256("hello world") == expected
    assert expected == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"


def test_davidson_fractions_of_coders() -> None:
    rows = list(parse_davidson(DAVIDSON))
    assert [t for t, _ in rows] == [
        "RT @a: clean up your house & take the trash out",
        "you are a total jerk",
        "some hateful tweet",
    ]
    assert rows[0][1] == {**dict.fromkeys(LABELS), "toxicity": 0.0, "identity_attack": 0.0}
    assert rows[1][1] == {**dict.fromkeys(LABELS), "toxicity": 1.0, "identity_attack": 0.0}
    labels = rows[2][1]
    assert labels["toxicity"] == pytest.approx(5 / 6)
    assert labels["identity_attack"] == pytest.approx(4 / 6)
    assert [labels[k] for k in ("severe_toxicity", "obscene", "insult", "threat")] == [None] * 4
    assert labels["sexual_explicit"] is None


def test_jigsaw_toxic_binary_columns_map_one_to_one() -> None:
    rows = list(parse_jigsaw_toxic(JIGSAW))
    assert [t for t, _ in rows] == [
        "thanks for the edit",
        "what a mess, you idiot",
        "i will hurt you",
    ]
    assert rows[0][1] == {**dict.fromkeys(LABELS, 0.0), "sexual_explicit": None}
    assert rows[1][1] == {
        "toxicity": 1.0,
        "severe_toxicity": 0.0,
        "obscene": 1.0,
        "insult": 1.0,
        "threat": 0.0,
        "identity_attack": 0.0,
        "sexual_explicit": None,
    }
    assert rows[2][1] == {
        "toxicity": 1.0,
        "severe_toxicity": 1.0,
        "obscene": 0.0,
        "insult": 0.0,
        "threat": 1.0,
        "identity_attack": 1.0,
        "sexual_explicit": None,
    }


def test_tweeteval_offensive_knows_only_toxicity() -> None:
    rows = list(parse_tweeteval("offensive", b"@user nice one \nshut up @user\n", b"0\n1\n"))
    assert rows == [
        ("@user nice one ", {**dict.fromkeys(LABELS), "toxicity": 0.0}),
        ("shut up @user", {**dict.fromkeys(LABELS), "toxicity": 1.0}),
    ]


def test_tweeteval_hate_leaves_toxicity_unknown_when_not_hate() -> None:
    rows = list(parse_tweeteval("hate", b"send them all back\nwomen rock\n", b"1\n0\n"))
    assert rows[0][1] == {**dict.fromkeys(LABELS), "toxicity": 1.0, "identity_attack": 1.0}
    assert rows[1][1] == {**dict.fromkeys(LABELS), "identity_attack": 0.0}


def test_tweeteval_refuses_misaligned_files() -> None:
    with pytest.raises(SourceError, match="2 texts but 1 labels"):
        list(parse_tweeteval("offensive", b"a\nb\n", b"0\n"))


def test_fox_news_hateful_is_toxicity_only() -> None:
    data = (
        b'{"title": "t", "text": "Merkel would never say NO", "label": 1, "prev": ""}\n'
        b'{"title": "t", "text": "Good article.", "label": 0, "prev": ""}\n'
    )
    assert list(parse_fox_news(data)) == [
        ("Merkel would never say NO", {**dict.fromkeys(LABELS), "toxicity": 1.0}),
        ("Good article.", {**dict.fromkeys(LABELS), "toxicity": 0.0}),
    ]


def test_wiki_toxicity_majority_flag() -> None:
    data = b'rev_id,comment,toxic\n1,"  Can we fill in the names?  ",False\n2,"you are scum",True\n'
    assert list(parse_wiki_toxicity(data)) == [
        ("Can we fill in the names?", {**dict.fromkeys(LABELS), "toxicity": 0.0}),
        ("you are scum", {**dict.fromkeys(LABELS), "toxicity": 1.0}),
    ]
    with pytest.raises(SourceError, match="toxic is 'maybe'"):
        list(parse_wiki_toxicity(b"rev_id,comment,toxic\n3,x,maybe\n"))


def test_toxigen_prompts_split_sentences_and_take_the_file_label() -> None:
    line = b"- group x are all thieves\\n- they should go home\\n-\n- group x are all thieves\\n"
    rows = list(parse_toxigen_prompts("hate", line))
    hate = {**dict.fromkeys(LABELS), "toxicity": 1.0, "identity_attack": 1.0}
    assert rows == [
        ("group x are all thieves", hate),
        ("they should go home", hate),
        ("group x are all thieves", hate),
    ]
    neutral = list(parse_toxigen_prompts("neutral", b"- many of them are doctors\\n"))
    assert neutral == [
        (
            "many of them are doctors",
            {**dict.fromkeys(LABELS), "toxicity": 0.0, "identity_attack": 0.0},
        )
    ]


def test_civil_comments_scored_copies_all_seven_rater_fractions() -> None:
    data = (
        b"text,toxicity,severe_toxicity,obscene,threat,insult,identity_attack,sexual_explicit\n"
        b'"you fool, I will find you",0.9,0.2,0.0,0.7,0.8,0.1,0.0\n'
        b"Nice piece on the budget.,0.0,0.0,0.0,0.0,0.0,0.0,0.0\n"
    )
    rows = list(parse_civil_comments_scored(data))
    assert rows[0] == (
        "you fool, I will find you",
        {
            "toxicity": 0.9,
            "severe_toxicity": 0.2,
            "obscene": 0.0,
            "insult": 0.8,
            "threat": 0.7,
            "identity_attack": 0.1,
            "sexual_explicit": 0.0,
        },
    )
    assert rows[1] == ("Nice piece on the budget.", dict.fromkeys(LABELS, 0.0))


def test_civil_comments_scored_refuses_values_that_are_not_fractions() -> None:
    header = (
        b"text,toxicity,severe_toxicity,obscene,threat,insult,identity_attack,sexual_explicit\n"
    )
    with pytest.raises(SourceError, match=r"threat is 1\.5, outside"):
        list(parse_civil_comments_scored(header + b"x,0.5,0,0,1.5,0,0,0\n"))
    with pytest.raises(SourceError, match="insult is '', not a number"):
        list(parse_civil_comments_scored(header + b"x,0.5,0,0,0,,0,0\n"))


def test_civil_comments_binary_knows_toxicity_and_drops_other_labels() -> None:
    data = (
        b"example,label\n"
        b'"Spoken like a true elitist, you moron.",toxic\n'
        b"The board is wasting our money!,not toxic\n"
        b"hmm,unsure\n"
    )
    assert list(parse_civil_comments_binary(data)) == [
        ("Spoken like a true elitist, you moron.", {**dict.fromkeys(LABELS), "toxicity": 1.0}),
        ("The board is wasting our money!", {**dict.fromkeys(LABELS), "toxicity": 0.0}),
    ]


def test_hatexplain_maps_majority_label_and_strips_preprocessing_tags() -> None:
    data = (
        b"label\ttext\n"
        b"hatespeech\tthose people are vermin send them back\n"
        b"offensive\t<user> <user> shut up you clown\n"
        b"normal\twe met <number> refugees at the station <happy>\n"
        b"undecided\tsomething the annotators split on\n"
    )
    rows = list(parse_hatexplain_tsv(data))
    assert rows == [
        (
            "those people are vermin send them back",
            {**dict.fromkeys(LABELS), "toxicity": 1.0, "identity_attack": 1.0},
        ),
        ("shut up you clown", {**dict.fromkeys(LABELS), "toxicity": 1.0}),
        (
            "we met refugees at the station",
            {**dict.fromkeys(LABELS), "toxicity": 0.0, "identity_attack": 0.0},
        ),
    ]


def test_surge_toxicity_two_values_and_nothing_else() -> None:
    data = (
        b"text,is_toxic\n"
        b'"He is a piece of shit,\n and greedy.",Toxic\n'
        b"Lovely photo!,Not Toxic\n"
        b"???,Maybe\n"
    )
    assert list(parse_surge_toxicity(data)) == [
        ("He is a piece of shit,\n and greedy.", {**dict.fromkeys(LABELS), "toxicity": 1.0}),
        ("Lovely photo!", {**dict.fromkeys(LABELS), "toxicity": 0.0}),
    ]


def test_toxichat_reads_human_turns_only_and_knows_toxicity() -> None:
    thread = {
        "reddit_thread": [
            {
                "turn_id": 1,
                "text": " Title: Q&amp;A thread \n Ask away &gt; here ",
                "offense_label": "Safe",
            },
            {"turn_id": 2, "text": " Shut up, you clown ", "offense_label": "Offensive"},
            {"turn_id": 3, "text": " ??? ", "offense_label": "Unsure"},
        ],
        "final_dgpt_response": {"turn_id": 4, "text": "bot says hi", "offense_label": "Safe"},
        "final_gpt3_response": {"turn_id": 4, "text": "bot insult", "offense_label": "Offensive"},
    }
    data = (json.dumps(thread) + "\n\n").encode("utf-8")
    assert list(parse_toxichat_jsonl(data)) == [
        ("Q&A thread \n Ask away > here", {**dict.fromkeys(LABELS), "toxicity": 0.0}),
        ("Shut up, you clown", {**dict.fromkeys(LABELS), "toxicity": 1.0}),
    ]


SBIC = (
    b"whoTarget,intentYN,sexYN,sexReason,offensiveYN,WorkerId,HITId,post,targetMinority\n"
    # Two rows from one annotator (two implied stereotypes) count once.
    b"1.0,1.0,1.0,rape,1.0,w1,h1,Those &amp; them are all rapists,women\n"
    b"1.0,1.0,1.0,rape,1.0,w1,h1,Those &amp; them are all rapists,men\n"
    b"1.0,1.0,0.0,,0.5,w2,h1,Those &amp; them are all rapists,women\n"
    b"0.0,0.0,0.0,,0.0,w3,h1,Those &amp; them are all rapists,\n"
    b",0.0,0.0,,0.0,w1,h2,nice weather today,\n"
    b",,,,,w2,h2,nice weather today,\n"
)


def test_sbic_averages_each_annotator_once_per_post() -> None:
    rows = list(parse_sbic_csv(SBIC))
    assert rows == [
        (
            "Those & them are all rapists",
            {**dict.fromkeys(LABELS), "toxicity": 0.5, "sexual_explicit": 1 / 3},
        ),
        ("nice weather today", {**dict.fromkeys(LABELS), "toxicity": 0.0, "sexual_explicit": 0.0}),
    ]


def test_sbic_refuses_answers_that_are_not_fractions() -> None:
    bad = SBIC.replace(b",0.5,w2", b",2,w2")
    with pytest.raises(SourceError, match=r"social bias frames: offensiveYN is 2\.0, outside"):
        list(parse_sbic_csv(bad))


STORMFRONT_METADATA = (
    b"file_id,user_id,subforum_id,num_contexts,label\n"
    b"1_1,7,1346,0,noHate\n"
    b"1_2,7,1346,0,hate\n"
    b"1_3,7,1346,1,relation\n"
    b"2_1,8,1346,0,idk/skip\n"
    b"2_2,8,1346,0,noHate\n"
)
STORMFRONT_TEXTS = {
    "1_1": b"I do n't think he 's right , `` experts '' say so ( mostly ) .",
    "1_2": b"They are all animals .",
    "1_3": b"And they should go .",
    "2_1": b"What ?",
    "2_2": b"Thanks for the link !\n",
}


def test_stormfront_hate_is_an_identity_attack_and_nohate_leaves_toxicity_unknown() -> None:
    rows = list(parse_stormfront(STORMFRONT_METADATA, STORMFRONT_TEXTS))
    assert rows == [
        (
            "I don't think he's right, \"experts\" say so (mostly).",
            {**dict.fromkeys(LABELS), "identity_attack": 0.0},
        ),
        (
            "They are all animals.",
            {**dict.fromkeys(LABELS), "toxicity": 1.0, "identity_attack": 1.0},
        ),
        ("Thanks for the link!", {**dict.fromkeys(LABELS), "identity_attack": 0.0}),
    ]


def test_stormfront_refuses_a_labelled_sentence_without_its_file() -> None:
    with pytest.raises(SourceError, match="no text for 2_2"):
        list(parse_stormfront(STORMFRONT_METADATA, {"1_1": b"x", "1_2": b"y"}))


def _git(*args: str, cwd: Path) -> str:
    git = shutil.which("git") or "git"
    proc = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [git, *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return proc.stdout.strip()


def _snapshot(tmp_path: Path, work: Path, *repos: str) -> tuple[Path, str]:
    """Commits ``work`` and clones it bare as each ``owner+name`` under a mirror root, as
    ``fetch`` leaves snapshots; returns the root and the commit."""
    _git("init", "-q", cwd=work)
    _git("add", ".", cwd=work)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x", cwd=work)
    commit = _git("rev-parse", "HEAD", cwd=work)
    root = tmp_path / "mirror"
    for repo in repos:
        (root / repo).mkdir(parents=True)
        _git("clone", "-q", "--bare", str(work), str(root / repo / "repo"), cwd=tmp_path)
    return root, commit


@pytest.fixture
def mirror(tmp_path: Path) -> tuple[Path, dict]:
    """A fake snapshot of two sources under ``<mirror>/<owner+name>/repo``."""
    work = tmp_path / "work"
    (work / "data").mkdir(parents=True)
    (work / "data" / "labeled_data.csv").write_bytes(DAVIDSON)
    (work / "samples").mkdir()
    # "You Are A Total  JERK" duplicates a Davidson row once normalised.
    (work / "samples" / "test_examples.csv").write_bytes(
        JIGSAW + b"You Are A Total  JERK,1,0,0,0,1,0\n"
    )
    root, commit = _snapshot(tmp_path, work, "a+jigsaw", "b+davidson")
    manifest = {
        "sources": [
            {
                "name": "jigsaw",
                "repository": "a/jigsaw",
                "commit": commit,
                "format": "jigsaw_toxic_csv",
                "files": [
                    {
                        "path": "samples/test_examples.csv",
                        "sha256": hashlib.sha256(
                            (work / "samples" / "test_examples.csv").read_bytes()
                        ).hexdigest(),
                    }
                ],
            },
            {
                "name": "davidson",
                "repository": "b/davidson",
                "commit": commit,
                "format": "davidson_csv",
                "files": [
                    {
                        "path": "data/labeled_data.csv",
                        "sha256": hashlib.sha256(DAVIDSON).hexdigest(),
                    }
                ],
            },
        ]
    }
    return root, manifest


def test_load_records_reads_snapshots_and_dedupes_in_source_order(mirror) -> None:
    root, manifest = mirror
    records = list(load_records(root, manifest))
    assert [(r.source, r.text) for r in records] == [
        ("jigsaw", "thanks for the edit"),
        ("jigsaw", "what a mess, you idiot"),
        ("jigsaw", "i will hurt you"),
        ("jigsaw", "You Are A Total  JERK"),
        ("davidson", "RT @a: clean up your house & take the trash out"),
        ("davidson", "some hateful tweet"),
    ]
    assert records[3].labels["insult"] == 1.0


def test_tampered_file_fails_naming_source_and_fetch(mirror) -> None:
    root, manifest = mirror
    manifest["sources"][1]["files"][0]["sha256"] = "0" * 64
    with pytest.raises(SourceError) as excinfo:
        list(load_records(root, manifest))
    message = str(excinfo.value)
    assert message.startswith("source davidson: b/davidson@")
    assert f"sha256 {hashlib.sha256(DAVIDSON).hexdigest()}, the manifest says {'0' * 64}" in message
    assert "github:b/davidson" in message


def test_missing_snapshot_fails_naming_how_to_fetch(mirror, tmp_path: Path) -> None:
    _, manifest = mirror
    with pytest.raises(SourceError, match=r"source jigsaw: no snapshot at .*github:a/jigsaw"):
        list(load_records(tmp_path / "nowhere", manifest))


def test_write_hashes_is_sorted_unique_and_deterministic(tmp_path: Path) -> None:
    records = [Record("B  b", "s", {}), Record("a", "s", {}), Record("b b", "s", {})]
    first, second = tmp_path / "1.gz", tmp_path / "2.gz"
    assert write_hashes(records, first) == 2
    write_hashes(records, second)
    assert first.read_bytes() == second.read_bytes()
    lines = gzip.decompress(first.read_bytes()).decode().splitlines()
    assert lines == sorted([text_sha256("a"), text_sha256("b b")])


def test_export_writes_jsonl_and_counts(tmp_path: Path) -> None:
    out = tmp_path / "train.jsonl"
    labels = {**dict.fromkeys(LABELS), "toxicity": 1.0}
    counts = export([Record("x", "s1", labels), Record("y", "s2", labels)], out)
    assert counts == {"s1": 1, "s2": 1}
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0] == {"text": "x", "source": "s1", "labels": labels}
    assert not out.with_name("train.jsonl.tmp").exists()


def test_load_records_reads_the_new_formats_from_a_snapshot(tmp_path: Path) -> None:
    """The Civil Comments, HateXplain and Surge formats go through load_records like the rest."""
    work = tmp_path / "work"
    work.mkdir()
    files = {
        "cc.csv": (
            b"text,toxicity,severe_toxicity,obscene,threat,insult,identity_attack,sexual_explicit\n"
            b"Go back where you came from.,0.8,0.1,0.0,0.1,0.3,0.7,0.0\n"
        ),
        "cc_binary.csv": b"example,label\nGood letter to the editor.,not toxic\n",
        "hx.tsv": b"label\ttext\nnormal\tgo back where you came from\noffensive\tyou clown\n",
        "surge.csv": b"text,is_toxic\nYou clown,Toxic\n",
    }
    for name, data in files.items():
        (work / name).write_bytes(data)
    root, commit = _snapshot(tmp_path, work, "o+r")

    def source(name: str, fmt: str, path: str) -> dict:
        sha = hashlib.sha256(files[path]).hexdigest()
        return {
            "name": name,
            "repository": "o/r",
            "commit": commit,
            "format": fmt,
            "files": [{"path": path, "sha256": sha}],
        }

    manifest = {
        "sources": [
            source("cc", "civil_comments_scored_csv", "cc.csv"),
            source("ccb", "civil_comments_binary_csv", "cc_binary.csv"),
            source("hx", "hatexplain_tsv", "hx.tsv"),
            source("surge", "surge_toxicity_csv", "surge.csv"),
        ]
    }
    records = list(load_records(root, manifest))
    # Surge's "You clown" is HateXplain's "you clown" once normalised: the earlier source keeps it.
    assert [(r.source, r.text) for r in records] == [
        ("cc", "Go back where you came from."),
        ("ccb", "Good letter to the editor."),
        ("hx", "go back where you came from"),
        ("hx", "you clown"),
    ]
    assert records[0].labels["identity_attack"] == 0.7
    assert records[3].labels == {**dict.fromkeys(LABELS), "toxicity": 1.0}


def _stormfront_snapshot(tmp_path: Path) -> tuple[Path, dict]:
    work = tmp_path / "work"
    (work / "all_files").mkdir(parents=True)
    (work / "annotations_metadata.csv").write_bytes(STORMFRONT_METADATA)
    for file_id, text in STORMFRONT_TEXTS.items():
        (work / "all_files" / f"{file_id}.txt").write_bytes(text)
    root, commit = _snapshot(tmp_path, work, "v+sf")
    source = {
        "name": "sf",
        "repository": "v/sf",
        "commit": commit,
        "format": "stormfront",
        "files": [
            {
                "path": "annotations_metadata.csv",
                "sha256": hashlib.sha256(STORMFRONT_METADATA).hexdigest(),
            }
        ],
        "text_dir": "all_files",
        "text_dir_sha256": text_dir_digest({f"{k}.txt": v for k, v in STORMFRONT_TEXTS.items()}),
    }
    return root, {"sources": [source]}


def test_load_records_reads_a_directory_of_sentences_from_a_snapshot(tmp_path: Path) -> None:
    root, manifest = _stormfront_snapshot(tmp_path)
    records = list(load_records(root, manifest))
    assert [r.text for r in records] == [
        "I don't think he's right, \"experts\" say so (mostly).",
        "They are all animals.",
        "Thanks for the link!",
    ]
    assert records[1].labels["identity_attack"] == 1.0


def test_text_dir_digest_refuses_a_changed_sentence(tmp_path: Path) -> None:
    root, manifest = _stormfront_snapshot(tmp_path)
    manifest["sources"][0]["text_dir_sha256"] = "0" * 64
    with pytest.raises(SourceError, match=r"source sf: v/sf@.*all_files/ has digest .*github:v/sf"):
        list(load_records(root, manifest))


def test_generated_sentences_are_listed_as_clean_training_texts() -> None:
    generated = list(generated_records())
    assert len(generated) == len({text_sha256(r.text) for r in generated}) > 900
    assert {r.source for r in generated} == {"parley_group_mentions"}
    assert all(r.labels == {"toxicity": 0.0} for r in generated)
    # A real comment with the same normalised text keeps its own record; the rest follow it.
    real = Record(generated[0].text.lower(), "fox_news_2017", {"toxicity": 1.0})
    merged = list(dedupe([real, *generated]))
    assert merged[0] is real and len(merged) == len(generated)


def test_the_committed_hashes_list_every_training_text_the_manifest_counts() -> None:
    manifest = json.loads(MANIFEST.read_text())
    hashes = gzip.decompress(TEXT_HASHES.read_bytes()).decode().splitlines()
    assert len(hashes) == len(set(hashes)) == manifest["text_hash_count"]
    assert hashes == sorted(hashes)
    # The generated sentences are training texts too (training.group_mentions).
    listed = set(hashes)
    assert all(text_sha256(r.text) in listed for r in generated_records())
    assert manifest["generated"][0]["rows"] == len(list(generated_records()))

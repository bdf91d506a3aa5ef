"""Training records for Parley's built-in classifier, read from public corpora.

Each source in ``training/manifest.json`` names a public repository, the commit
of its snapshot, the raw files (with their sha256) and how its labels map onto
Parley's seven labels. The raw files are never committed: they are read from the
snapshots that the search tool's ``fetch`` brings to ``/work/.mirror`` (see
``training/fetch.md``), and each is checked against its sha256 before use.

The evaluation sets that issue 15 reserves for independent evaluation are never
fetched, read or trained on here (docs/training-data.md).

    python -m training.sources --write-hashes     # renew training/text_hashes.txt.gz
    python -m training.sources --export PATH      # all records as JSONL
    python -m training.sources --update-manifest  # renew sha256 and row counts
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

# The labels a record may carry are the classifier's (one list for training and run time).
from policy.engine.classifier import LABELS

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
TEXT_HASHES = HERE / "text_hashes.txt.gz"
DEFAULT_MIRROR = Path("/work/.mirror")

Labels = dict[str, float | None]


@dataclass(frozen=True)
class Record:
    text: str
    source: str
    labels: Labels = field(default_factory=dict)


class SourceError(RuntimeError):
    """A source's raw file is missing or differs from the manifest."""


def normalised(text: str) -> str:
    """Lower-cased, whitespace runs collapsed to one space, stripped."""
    return " ".join(text.lower().split())


def text_sha256(text: str) -> str:
    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def empty_labels() -> Labels:
    return dict.fromkeys(LABELS)


def _fraction(part: float, whole: float) -> float:
    return min(1.0, max(0.0, part / whole)) if whole > 0 else 0.0


# --- parsers: raw bytes in the source's own format -> (text, labels) ---------


def parse_davidson(data: bytes) -> Iterator[tuple[str, Labels]]:
    """Davidson et al. (2017) ``labeled_data.csv``: counts of CrowdFlower coders.

    toxicity = (hate_speech + offensive_language) / count; identity_attack =
    hate_speech / count (the paper's hate speech targets a group). Tweets are
    HTML-escaped in the file, so entities are unescaped.
    """
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        count = float(row["count"])
        hate = float(row["hate_speech"])
        offensive = float(row["offensive_language"])
        labels = empty_labels()
        labels["toxicity"] = _fraction(hate + offensive, count)
        labels["identity_attack"] = _fraction(hate, count)
        yield html.unescape(row["tweet"]), labels


JIGSAW_TOXIC_MAP = {
    "toxic": "toxicity",
    "severe_toxic": "severe_toxicity",
    "obscene": "obscene",
    "threat": "threat",
    "insult": "insult",
    "identity_hate": "identity_attack",
}


_JIGSAW_ID = re.compile(r"^[0-9a-f]{16}$")


def parse_jigsaw_toxic(
    data: bytes, seen_ids: set[str] | None = None, *, real_ids_only: bool = False
) -> Iterator[tuple[str, Labels]]:
    """Jigsaw Toxic Comment Classification CSV: binary columns, 1:1 onto ours.

    Subsets of the same data in several repositories hold the same comment, sometimes with
    its text altered (lower-cased, punctuation stripped): a row whose Jigsaw ``id`` is in
    ``seen_ids`` is skipped, and its id added when kept, so the first source wins by id as
    well as by text. ``real_ids_only`` drops rows without a 16-hex Jigsaw id (rows a
    repository made up by augmentation).
    """
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        row_id = (row.get("id") or "").strip()
        if real_ids_only and not _JIGSAW_ID.match(row_id):
            continue
        if seen_ids is not None and row_id:
            if row_id in seen_ids:
                continue
            seen_ids.add(row_id)
        labels = empty_labels()
        for column, label in JIGSAW_TOXIC_MAP.items():
            labels[label] = 1.0 if float(row[column]) >= 0.5 else 0.0
        yield row["comment_text"], labels


TWEETEVAL_MAP: dict[str, dict[int, Labels]] = {
    # OLID: "offensive" covers insults, threats and profanity, so only toxicity is known.
    "offensive": {0: {"toxicity": 0.0}, 1: {"toxicity": 1.0}},
    # HatEval: hate against immigrants and women. A not-hate tweet may still be
    # offensive (the set was collected by keywords), so its toxicity stays unknown.
    "hate": {0: {"identity_attack": 0.0}, 1: {"toxicity": 1.0, "identity_attack": 1.0}},
}


def parse_tweeteval(task: str, text: bytes, labels: bytes) -> Iterator[tuple[str, Labels]]:
    """TweetEval ``*_text.txt`` / ``*_labels.txt``: one tweet and one label id a line."""
    texts = text.decode("utf-8").split("\n")
    ids = labels.decode("utf-8").split("\n")
    if texts and texts[-1] == "":
        texts.pop()
    ids = [i for i in ids if i.strip()]
    if len(texts) != len(ids):
        raise SourceError(f"tweeteval {task}: {len(texts)} texts but {len(ids)} labels")
    mapping = TWEETEVAL_MAP[task]
    for tweet, label_id in zip(texts, ids, strict=True):
        out = empty_labels()
        out.update(mapping[int(label_id)])
        yield tweet, out


def parse_fox_news(data: bytes) -> Iterator[tuple[str, Labels]]:
    """Gao and Huang (2017) ``fox-news-comments.json``: one JSON object a line.

    ``label`` 1 (hateful) -> toxicity 1, 0 -> toxicity 0. The paper's "hateful"
    is broader than an identity attack (a jibe at a named politician counts),
    so no sub-label is set.
    """
    for line in data.decode("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        labels = empty_labels()
        labels["toxicity"] = float(int(row["label"]))
        yield row["text"], labels


def parse_wiki_toxicity(data: bytes) -> Iterator[tuple[str, Labels]]:
    """Wikipedia Talk Labels: Toxicity sample (``rev_id,comment,toxic``), ``toxic`` True/False.

    ``toxic`` is the raters' majority, so it maps to toxicity 1 or 0 only.
    """
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        flag = row["toxic"].strip().lower()
        if flag not in {"true", "false"}:
            raise SourceError(f"wikipedia toxicity: toxic is {row['toxic']!r}, not True/False")
        labels = empty_labels()
        labels["toxicity"] = 1.0 if flag == "true" else 0.0
        yield row["comment"].strip(), labels


def parse_toxigen_prompts(kind: str, data: bytes) -> Iterator[tuple[str, Labels]]:
    """ToxiGen ``prompts/{hate,neutral}_<group>_1k.txt``: human-written sentences.

    Each line is one prompt: demonstration sentences joined by a literal ``\\n``,
    each opening with ``- ``. The label is the file's: ``hate`` sentences are
    statements against the named group (toxicity 1, identity_attack 1);
    ``neutral`` ones mention the group without attacking it (both 0). Sentences
    repeat across prompts; ``dedupe`` keeps one.
    """
    value = {"hate": 1.0, "neutral": 0.0}[kind]
    for line in data.decode("utf-8").splitlines():
        for part in line.split("\\n"):
            sentence = part.strip().removeprefix("-").strip()
            if sentence:
                labels = empty_labels()
                labels["toxicity"] = value
                labels["identity_attack"] = value
                yield sentence, labels


CIVIL_COMMENTS_COLUMNS = (
    "toxicity",
    "severe_toxicity",
    "obscene",
    "threat",
    "insult",
    "identity_attack",
    "sexual_explicit",
)


def _rater_fraction(value: str, column: str, source: str = "civil comments") -> float:
    try:
        number = float(value)
    except ValueError:
        raise SourceError(f"{source}: {column} is {value!r}, not a number") from None
    if not 0.0 <= number <= 1.0:
        raise SourceError(f"{source}: {column} is {number}, outside [0, 1]")
    return number


def parse_civil_comments_scored(data: bytes) -> Iterator[tuple[str, Labels]]:
    """Civil Comments (Jigsaw Unintended Bias) rows with the raters' fractions.

    Header ``text,toxicity,severe_toxicity,obscene,threat,insult,identity_attack,
    sexual_explicit``: each value is the fraction of Civil Comments raters who gave
    the attribute, the same scale and names as Parley's labels, so all seven are
    copied as they are.
    """
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        labels = empty_labels()
        for column in CIVIL_COMMENTS_COLUMNS:
            labels[column] = _rater_fraction(row[column], column)
        yield row["text"], labels


CIVIL_COMMENTS_BINARY = {"toxic": 1.0, "not toxic": 0.0}


def parse_civil_comments_binary(data: bytes) -> Iterator[tuple[str, Labels]]:
    """Civil Comments rows labelled ``toxic`` / ``not toxic`` (``example,label``).

    The label is the raters' toxicity cut at 0.5, so only toxicity is known; a row
    with any other label is dropped rather than guessed.
    """
    return _toxicity_csv(data, "example", "label", CIVIL_COMMENTS_BINARY)


def _toxicity_csv(
    data: bytes, text: str, label: str, values: dict[str, float]
) -> Iterator[tuple[str, Labels]]:
    """Rows of a CSV whose ``label`` column, looked up in ``values``, gives toxicity alone;
    a row whose label is not there is dropped."""
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        value = values.get(row[label].strip().lower())
        if value is None:
            continue
        labels = empty_labels()
        labels["toxicity"] = value
        yield row[text], labels


# HateXplain's own preprocessing (ekphrasis) put these tags where the post had a
# mention, a number, a link, an emoticon or a masked word; they are not the
# writer's words, so they are removed.
_HATEXPLAIN_TAG = re.compile(
    r"<(?:user|number|percent|censored|date|money|time|url|email|phone|happy|sad|"
    r"laugh|wink|annoyed|angel|kiss|tong|surprise|elongated|repeated|allcaps|hashtag)>"
)

HATEXPLAIN_MAP: dict[str, Labels] = {
    # Hate speech, in HateXplain, is aimed at a community: an identity attack.
    "hatespeech": {"toxicity": 1.0, "identity_attack": 1.0},
    # Offensive but, for most annotators, not hate: whether it attacks an identity
    # is not said, so identity_attack stays unknown.
    "offensive": {"toxicity": 1.0},
    "normal": {"toxicity": 0.0, "identity_attack": 0.0},
}


def parse_hatexplain_tsv(data: bytes) -> Iterator[tuple[str, Labels]]:
    """HateXplain posts with their majority label, ``label<TAB>text`` a line.

    ``hatespeech`` -> toxicity 1, identity_attack 1; ``offensive`` -> toxicity 1;
    ``normal`` -> toxicity 0, identity_attack 0; the rest unknown. Any other label
    (HateXplain's "undecided" posts, where the annotators disagree) is dropped.
    """
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")), delimiter="\t")
    for row in reader:
        mapping = HATEXPLAIN_MAP.get((row["label"] or "").strip().lower())
        if mapping is None:
            continue
        text = " ".join(_HATEXPLAIN_TAG.sub(" ", row["text"] or "").split())
        labels = empty_labels()
        labels.update(mapping)
        yield text, labels


SURGE_TOXICITY = {"toxic": 1.0, "not toxic": 0.0}


def parse_surge_toxicity(data: bytes) -> Iterator[tuple[str, Labels]]:
    """Surge AI ``toxicity_en.csv`` (``text,is_toxic``): ``Toxic`` / ``Not Toxic``.

    Raters marked the comments they found toxic, with no finer category, so only
    toxicity is known; any other value is dropped.
    """
    return _toxicity_csv(data, "text", "is_toxic", SURGE_TOXICITY)


TOXICHAT_OFFENSE = {"offensive": 1.0, "safe": 0.0}
_REDDIT_TITLE = re.compile(r"^\s*Title:\s*")


def parse_toxichat_jsonl(data: bytes) -> Iterator[tuple[str, Labels]]:
    """ToxiChat (Baheti et al. 2021) ``data/ToxiChat/*.jsonl``: one Reddit thread a line.

    Each human turn of ``reddit_thread`` (the post, then one or two comments) carries the
    crowd's ``offense_label``: ``Offensive`` -> toxicity 1, ``Safe`` -> toxicity 0, any
    other value drops the turn. The offence covers insults, profanity, threats and hate
    alike, and its targets are named groups or people of any kind, so no sub-label is set.
    The chatbot responses (``final_*_response``) are machine-written and never read.
    Reddit's HTML escaping (``&amp;``, ``&gt;``, ``&amp;nbsp;``) is undone and the
    dataset's ``Title:`` marker on a post is dropped.
    """
    for line in data.decode("utf-8").splitlines():
        if not line.strip():
            continue
        for turn in json.loads(line)["reddit_thread"]:
            value = TOXICHAT_OFFENSE.get(str(turn.get("offense_label", "")).strip().lower())
            if value is None:
                continue
            text = html.unescape(html.unescape(turn["text"]))
            text = _REDDIT_TITLE.sub("", text).strip()
            labels = empty_labels()
            labels["toxicity"] = value
            yield text, labels


def _mean_of(values: list[str], column: str) -> float | None:
    numbers = []
    for value in values:
        if value.strip():
            numbers.append(_rater_fraction(value, column, "social bias frames"))
    return sum(numbers) / len(numbers) if numbers else None


def parse_sbic_csv(data: bytes) -> Iterator[tuple[str, Labels]]:
    """Social Bias Frames (SBIC v2), one row per annotator and implied stereotype.

    Rows are grouped by ``post``, and each annotator (``WorkerId`` and ``HITId``) counts once:
    toxicity is the mean of their ``offensiveYN`` (1 yes, 0.5 maybe, 0 no) and
    sexual_explicit the mean of their ``sexYN`` (lewd or sexual content); empty answers are
    left out, and a post nobody answered stays unknown. The target group (``whoTarget``,
    ``targetCategory``) names police, liberals and races alike, so identity_attack is not
    set. Tweets' HTML entities are unescaped.
    """
    posts: dict[str, dict[tuple[str, str], tuple[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        annotator = (row["WorkerId"], row["HITId"])
        answers = posts.setdefault(row["post"], {})
        answers.setdefault(annotator, (row["offensiveYN"], row["sexYN"]))
    for post, answers in posts.items():
        labels = empty_labels()
        labels["toxicity"] = _mean_of([a[0] for a in answers.values()], "offensiveYN")
        labels["sexual_explicit"] = _mean_of([a[1] for a in answers.values()], "sexYN")
        yield html.unescape(post).strip(), labels


STORMFRONT_MAP: dict[str, Labels] = {
    # de Gibert et al.'s hate speech is an attack on a group for its identity.
    "hate": {"toxicity": 1.0, "identity_attack": 1.0},
    # Not hate speech; the forum's other sentences may still be abusive toward a person
    # (the guidelines label only hate), so toxicity stays unknown, as for HatEval.
    "nohate": {"identity_attack": 0.0},
}

# The sentences were tokenised Penn-Treebank style ("do n't", "house .", ``quotes''):
# undone so that the text reads as the writer typed it.
_PTB_QUOTES = re.compile(r"``\s*|\s*''")
_PTB_CLITIC = re.compile(r"\s+(n't|'s|'re|'ve|'ll|'m|'d)\b", re.IGNORECASE)
_PTB_BEFORE = re.compile(r"\s+([,.!?;:%)\]])")
_PTB_AFTER = re.compile(r"([(\[$])\s+")


def _detokenise(text: str) -> str:
    text = _PTB_QUOTES.sub('"', text)
    text = _PTB_CLITIC.sub(r"\1", text)
    text = _PTB_BEFORE.sub(r"\1", text)
    text = _PTB_AFTER.sub(r"\1", text)
    return " ".join(text.split())


def parse_stormfront(metadata: bytes, texts: dict[str, bytes]) -> Iterator[tuple[str, Labels]]:
    """de Gibert et al. (2018) Stormfront sentences: ``annotations_metadata.csv`` and one
    ``all_files/<file_id>.txt`` a sentence (``texts`` is keyed by file_id).

    ``hate`` -> toxicity 1, identity_attack 1; ``noHate`` -> identity_attack 0 with toxicity
    unknown; ``relation`` (hate only together with the sentences around it) and
    ``idk/skip`` are dropped. The Penn-Treebank tokenisation is undone.
    """
    for row in csv.DictReader(io.StringIO(metadata.decode("utf-8"))):
        mapping = STORMFRONT_MAP.get(row["label"].strip().lower())
        if mapping is None:
            continue
        file_id = row["file_id"].strip()
        if file_id not in texts:
            raise SourceError(f"stormfront: no text for {file_id}")
        labels = empty_labels()
        labels.update(mapping)
        yield _detokenise(texts[file_id].decode("utf-8")), labels


_SIMPLE_FORMATS = {
    "civil_comments_scored_csv": parse_civil_comments_scored,
    "civil_comments_binary_csv": parse_civil_comments_binary,
    "hatexplain_tsv": parse_hatexplain_tsv,
    "surge_toxicity_csv": parse_surge_toxicity,
    "toxichat_jsonl": parse_toxichat_jsonl,
    "sbic_csv": parse_sbic_csv,
}


# --- reading the snapshots ------------------------------------------------------


def snapshot_dir(mirror_root: Path, repository: str) -> Path:
    """``<mirror_root>/<owner+name>/repo``, or its ``.git`` where fetch left a work-tree layout."""
    repo = mirror_root / repository.replace("/", "+") / "repo"
    return repo / ".git" if (repo / ".git").is_dir() else repo


def git_show(git_dir: Path, commit: str, path: str) -> subprocess.CompletedProcess[bytes]:
    """``git show <commit>:<path>`` on a snapshot; arguments come from our own manifest."""
    git = shutil.which("git") or "git"
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [git, "--git-dir", str(git_dir), "show", f"{commit}:{path}"],
        capture_output=True,
        check=False,
    )


def read_raw(mirror_root: Path, source: dict[str, Any], path: str, sha256: str) -> bytes:
    """The raw file at the manifest's commit, checked against its sha256.

    Reads ``git show <commit>:<path>`` from the fetched snapshot, or a plain
    exported copy at ``<mirror_root>/<owner+name>/export/<path>``.
    """
    repository = source["repository"]
    how = f"fetch it with the search tool's fetch (github:{repository}) or see training/fetch.md"
    exported = mirror_root / repository.replace("/", "+") / "export" / path
    git_dir = snapshot_dir(mirror_root, repository)
    if exported.is_file():
        data = exported.read_bytes()
    elif git_dir.is_dir():
        proc = git_show(git_dir, source["commit"], path)
        if proc.returncode != 0:
            raise SourceError(
                f"source {source['name']}: {path} at {source['commit']} is not in "
                f"{git_dir} ({proc.stderr.decode(errors='replace').strip()}); {how}"
            )
        data = proc.stdout
    else:
        raise SourceError(f"source {source['name']}: no snapshot at {git_dir}; {how}")
    actual = file_sha256(data)
    if actual != sha256:
        raise SourceError(
            f"source {source['name']}: {repository}@{source['commit']}:{path} has sha256 "
            f"{actual}, the manifest says {sha256}; the file differs from the one "
            f"trained on: {how}"
        )
    return data


def text_dir_digest(texts: dict[str, bytes]) -> str:
    """sha256 over ``<name> <sha256 of its bytes>\\n`` for each file, sorted by name: one
    digest pins a directory of many small files."""
    lines = "".join(f"{name} {file_sha256(data)}\n" for name, data in sorted(texts.items()))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _git_blobs(git_dir: Path, commit: str, directory: str) -> dict[str, bytes] | None:
    """Every file directly under ``directory`` at ``commit`` (name -> bytes), read with one
    ``git ls-tree`` and one ``git cat-file --batch``; None where the directory is not there."""
    git = shutil.which("git") or "git"
    listing = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [git, "--git-dir", str(git_dir), "ls-tree", "-z", f"{commit}:{directory}"],
        capture_output=True,
        check=False,
    )
    if listing.returncode != 0:
        return None
    names: list[str] = []
    shas: list[str] = []
    for entry in listing.stdout.split(b"\0"):
        if not entry:
            continue
        info, raw_name = entry.split(b"\t", 1)
        _mode, kind, sha = info.split()
        if kind == b"blob":
            names.append(raw_name.decode("utf-8"))
            shas.append(sha.decode("ascii"))
    batch = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [git, "--git-dir", str(git_dir), "cat-file", "--batch"],
        input="".join(sha + "\n" for sha in shas).encode("ascii"),
        capture_output=True,
        check=False,
    )
    if batch.returncode != 0:
        return None
    out: dict[str, bytes] = {}
    data, pos = batch.stdout, 0
    for name in names:
        header_end = data.index(b"\n", pos)
        header = data[pos:header_end].split()
        if len(header) != 3 or header[1] != b"blob":
            return None
        size = int(header[2])
        out[name] = data[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
    return out


def read_text_dir(mirror_root: Path, source: dict[str, Any]) -> dict[str, bytes]:
    """The files of the source's ``text_dir`` (name -> bytes), checked against its
    ``text_dir_sha256`` (text_dir_digest). Read from the snapshot at the manifest's commit,
    or from ``<mirror_root>/<owner+name>/export/<text_dir>/``."""
    repository, directory = source["repository"], source["text_dir"]
    how = f"fetch it with the search tool's fetch (github:{repository}) or see training/fetch.md"
    exported = mirror_root / repository.replace("/", "+") / "export" / directory
    git_dir = snapshot_dir(mirror_root, repository)
    texts: dict[str, bytes] | None
    if exported.is_dir():
        texts = {p.name: p.read_bytes() for p in exported.iterdir() if p.is_file()}
    elif git_dir.is_dir():
        texts = _git_blobs(git_dir, source["commit"], directory)
        if texts is None:
            raise SourceError(
                f"source {source['name']}: {directory}/ at {source['commit']} is not in "
                f"{git_dir}; {how}"
            )
    else:
        raise SourceError(f"source {source['name']}: no snapshot at {git_dir}; {how}")
    actual = text_dir_digest(texts)
    if actual != source["text_dir_sha256"]:
        raise SourceError(
            f"source {source['name']}: {repository}@{source['commit']}:{directory}/ has digest "
            f"{actual}, the manifest says {source['text_dir_sha256']}; the files differ from "
            f"the ones trained on: {how}"
        )
    return texts


def source_rows(
    source: dict[str, Any], mirror_root: Path, seen_ids: set[str] | None = None
) -> Iterator[tuple[str, Labels]]:
    """A source's (text, labels) rows; ``seen_ids``: Jigsaw ids already taken (shared across
    sources by load_records)."""
    files = {f["path"]: f["sha256"] for f in source["files"]}
    fmt = source["format"]
    if fmt == "davidson_csv":
        for path, sha in files.items():
            yield from parse_davidson(read_raw(mirror_root, source, path, sha))
    elif fmt == "jigsaw_toxic_csv":
        for path, sha in files.items():
            yield from parse_jigsaw_toxic(
                read_raw(mirror_root, source, path, sha),
                seen_ids,
                real_ids_only=bool(source.get("real_ids_only")),
            )
    elif fmt.startswith("tweeteval:"):
        task = fmt.split(":", 1)[1]
        for text_path, labels_path in source["pairs"]:
            yield from parse_tweeteval(
                task,
                read_raw(mirror_root, source, text_path, files[text_path]),
                read_raw(mirror_root, source, labels_path, files[labels_path]),
            )
    elif fmt == "fox_news_jsonl":
        for path, sha in files.items():
            yield from parse_fox_news(read_raw(mirror_root, source, path, sha))
    elif fmt == "wiki_toxicity_csv":
        for path, sha in files.items():
            yield from parse_wiki_toxicity(read_raw(mirror_root, source, path, sha))
    elif fmt == "toxigen_prompts":
        for path, sha in files.items():
            kind = path.rsplit("/", 1)[-1].split("_", 1)[0]
            yield from parse_toxigen_prompts(kind, read_raw(mirror_root, source, path, sha))
    elif fmt == "stormfront":
        texts = {
            name.removesuffix(".txt"): data
            for name, data in read_text_dir(mirror_root, source).items()
        }
        for path, sha in files.items():
            yield from parse_stormfront(read_raw(mirror_root, source, path, sha), texts)
    elif fmt in _SIMPLE_FORMATS:
        for path, sha in files.items():
            yield from _SIMPLE_FORMATS[fmt](read_raw(mirror_root, source, path, sha))
    else:
        raise SourceError(f"source {source['name']}: unknown format {fmt!r}")


def load_manifest(path: Path = MANIFEST) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def dedupe(rows: Iterable[Record]) -> Iterator[Record]:
    """First record of each normalised text wins (sources are in priority order)."""
    seen: set[str] = set()
    for record in rows:
        key = text_sha256(record.text)
        if not normalised(record.text) or key in seen:
            continue
        seen.add(key)
        yield record


def load_records(
    mirror_root: Path = DEFAULT_MIRROR, manifest: dict[str, Any] | None = None
) -> Iterator[Record]:
    """Every training record of every manifest source, deduplicated by normalised text."""
    manifest = manifest if manifest is not None else load_manifest()

    def raw() -> Iterator[Record]:
        seen_ids: set[str] = set()
        for source in manifest["sources"]:
            for text, labels in source_rows(source, mirror_root, seen_ids):
                yield Record(text=text, source=source["name"], labels=labels)

    return dedupe(raw())


def generated_records() -> Iterator[Record]:
    """The sentences written here and added to the training part (training.group_mentions):
    not a source of the split, but training texts all the same, so their hashes are listed."""
    from training import group_mentions

    for text in group_mentions.sentences():
        yield Record(text=text, source=group_mentions.SOURCE, labels={"toxicity": 0.0})


def all_training_texts(
    mirror_root: Path = DEFAULT_MIRROR, manifest: dict[str, Any] | None = None
) -> Iterator[Record]:
    """Every text the shipped model may be trained on: the sources' records, then the
    generated sentences not among them."""
    return dedupe(chain(load_records(mirror_root, manifest), generated_records()))


# --- commands ----------------------------------------------------------------


def write_hashes(records: Iterable[Record], path: Path = TEXT_HASHES) -> int:
    hashes = sorted({text_sha256(r.text) for r in records})
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write("".join(h + "\n" for h in hashes).encode("ascii"))
    return len(hashes)


def export(records: Iterable[Record], path: Path) -> dict[str, int]:
    """JSONL written to a temporary name and renamed, so no reader sees half a file."""
    counts: dict[str, int] = {}
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        for r in records:
            out.write(json.dumps({"text": r.text, "source": r.source, "labels": r.labels}))
            out.write("\n")
            counts[r.source] = counts.get(r.source, 0) + 1
    os.replace(tmp, path)
    return counts


def update_manifest(mirror_root: Path, path: Path = MANIFEST) -> dict[str, Any]:
    """Renew each file's sha256 and the row counts from the snapshots at hand."""
    manifest = load_manifest(path)
    for source in manifest["sources"]:
        for f in source["files"]:
            git_dir = snapshot_dir(mirror_root, source["repository"])
            proc = git_show(git_dir, source["commit"], f["path"])
            if proc.returncode != 0:
                raise SourceError(f"source {source['name']}: {f['path']} not in {git_dir}")
            f["sha256"] = file_sha256(proc.stdout)
        if "text_dir" in source:
            texts = _git_blobs(
                snapshot_dir(mirror_root, source["repository"]),
                source["commit"],
                source["text_dir"],
            )
            if texts is None:
                raise SourceError(f"source {source['name']}: {source['text_dir']}/ not found")
            source["text_dir_sha256"] = text_dir_digest(texts)
        source["rows_raw"] = sum(1 for _ in source_rows(source, mirror_root))
    kept: dict[str, int] = {}
    for r in all_training_texts(mirror_root, manifest):
        kept[r.source] = kept.get(r.source, 0) + 1
    for source in manifest["sources"]:
        source["rows_kept"] = kept.get(source["name"], 0)
    generated = list(generated_records())
    manifest["generated"] = [
        {
            "name": generated[0].source,
            "path": "training/group_mentions.py",
            "licence": "Parley's own (written for this project)",
            "origin": "neutral and positive sentences naming groups, every template with "
            "every group; added to the training part only (docs/training-data.md)",
            "rows": len(generated),
            "rows_kept": kept.get(generated[0].source, 0),
        }
    ]
    manifest["text_hash_count"] = sum(kept.values())
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.sources", description=__doc__)
    parser.add_argument("--mirror-root", type=Path, default=DEFAULT_MIRROR)
    parser.add_argument("--write-hashes", action="store_true", help="renew text_hashes.txt.gz")
    parser.add_argument("--export", type=Path, metavar="PATH", help="write records as JSONL")
    parser.add_argument("--update-manifest", action="store_true", help="renew sha256 and counts")
    args = parser.parse_args(argv)
    try:
        if args.update_manifest:
            update_manifest(args.mirror_root)
            print(f"updated {MANIFEST}")
        if args.write_hashes:
            n = write_hashes(all_training_texts(args.mirror_root))
            print(f"wrote {n} hashes to {TEXT_HASHES}")
        if args.export:
            counts = export(load_records(args.mirror_root), args.export)
            for name, n in counts.items():
                print(f"{name}\t{n}")
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

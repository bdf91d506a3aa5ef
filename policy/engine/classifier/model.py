"""The shipped model: a linear scorer over the features of :mod:`.features`.

The file (``model/parley-classifier.bin.gz``) is gzip'd and holds, in order:
a 4-byte little-endian length and that many bytes of JSON metadata (labels,
intercepts, how it was trained, its validation and test figures); the
vocabulary, one feature per line in UTF-8; then little-endian float32 arrays
of ``n_features`` values each: the squared idf of every feature, then one
weight vector per label.  Nothing in it is executable (no pickle).

For a comment with the set ``F`` of in-vocabulary features, the probability
of label ``l`` is ``sigmoid(b_l + sum(W_l[f] for f in F) / sqrt(sum(idf2[f] for f in F)))``:
a logistic regression over l2-normalised binary tf-idf features, with the idf
(and, for the NB-weighted candidate, the log-count ratio) folded into ``W_l``.
"""

from __future__ import annotations

import gzip
import json
import math
import struct
import sys
import threading
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from policy.engine.classifier.features import FEATURES_VERSION, bigram, token_features, tokens

MODEL_PATH = Path(__file__).resolve().parent / "model" / "parley-classifier.bin.gz"
MAGIC = b"PARLEYCLF1"


class ModelError(RuntimeError):
    """The model file is missing, damaged or built for other features."""


@dataclass(frozen=True)
class Span:
    """A word of the comment that pushed a label's score up, with its share of the logit."""

    start: int
    end: int
    text: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "weight": self.weight}


class Scores:
    """One comment's scores: probabilities per label, evidence computed on demand."""

    __slots__ = ("_model", "_norm", "_probabilities", "_toks", "indices", "text")

    def __init__(self, model: Model, text: str) -> None:
        self.text = text
        self._model = model
        toks = self._toks = tokens(text)
        lookup = model.token_indices
        idx: set[int] = set()
        for t, _, _ in toks:
            idx.update(lookup(t))
        get = model.vocabulary.get
        for i in range(len(toks) - 1):
            j = get(bigram(toks[i][0], toks[i + 1][0]))
            if j is not None:
                idx.add(j)
        self.indices = idx
        sq = sum(map(model.idf2.__getitem__, idx))
        self._norm = math.sqrt(sq) if sq > 0 else 1.0
        self._probabilities: dict[str, float] = {}

    def logit(self, label: str) -> float:
        m = self._model
        w = m.weights[label]
        return m.intercepts[label] + sum(map(w.__getitem__, self.indices)) / self._norm

    def probability(self, label: str) -> float:
        p = self._probabilities.get(label)
        if p is None:
            z = self.logit(label)
            p = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
            self._probabilities[label] = p
        return p

    def probabilities(self) -> dict[str, float]:
        return {label: self.probability(label) for label in self._model.labels}

    def evidence(self, label: str, k: int = 5) -> list[Span]:
        """The ``k`` words whose features add most to ``label``'s logit, as spans of the text.

        A word's share is the weight of its own features (the word and its
        character n-grams) plus half of each word pair it is part of.
        """
        m = self._model
        w = m.weights[label]
        toks = self._toks
        shares = [sum(map(w.__getitem__, m.token_indices(t))) for t, _, _ in toks]
        get = m.vocabulary.get
        for i in range(len(toks) - 1):
            j = get(bigram(toks[i][0], toks[i + 1][0]))
            if j is not None:
                half = w[j] / 2
                shares[i] += half
                shares[i + 1] += half
        ranked = sorted((i for i, s in enumerate(shares) if s > 0), key=lambda i: (-shares[i], i))[
            :k
        ]
        return [
            Span(s, e, self.text[s:e], round(shares[i] / self._norm, 4))
            for i in ranked
            for _, s, e in (toks[i],)
        ]


class Model:
    """A loaded model; immutable after loading and safe to share between threads."""

    def __init__(
        self,
        meta: Mapping[str, Any],
        vocabulary: Sequence[str],
        idf2: array,
        weights: Mapping[str, array],
    ) -> None:
        if meta.get("features_version") != FEATURES_VERSION:
            raise ModelError(
                f"model built for features version {meta.get('features_version')}, "
                f"code has {FEATURES_VERSION}: rebuild it with python -m training"
            )
        self.meta = meta
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.intercepts: dict[str, float] = {k: float(v) for k, v in meta["intercepts"].items()}
        self.vocabulary: dict[str, int] = {f: i for i, f in enumerate(vocabulary)}
        self.idf2 = idf2
        self.weights = dict(weights)
        get = self.vocabulary.get

        @lru_cache(maxsize=32768)
        def token_indices(token: str) -> tuple[int, ...]:
            return tuple(i for i in map(get, token_features(token)) if i is not None)

        self.token_indices = token_indices

    def score(self, text: str) -> Scores:
        return Scores(self, text)


def dump_model(
    path: Path,
    meta: Mapping[str, Any],
    vocabulary: Sequence[str],
    idf2: Sequence[float],
    weights: Mapping[str, Sequence[float]],
) -> bytes:
    """Write the model file byte for byte deterministically; returns its bytes."""
    header = json.dumps(dict(meta), sort_keys=True, separators=(",", ":")).encode()
    parts = [MAGIC, struct.pack("<I", len(header)), header]
    vocab = "\n".join(vocabulary).encode("utf-8")
    parts += [struct.pack("<I", len(vocab)), vocab]
    for values in (idf2, *(weights[label] for label in meta["labels"])):
        arr = array("f", values)
        if sys.byteorder == "big":  # pragma: no cover
            arr.byteswap()
        parts.append(arr.tobytes())
    data = gzip.compress(b"".join(parts), compresslevel=9, mtime=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


def read_model(path: Path) -> Model:
    try:
        raw = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as exc:
        raise ModelError(f"cannot read the classifier model {path}: {exc}") from None
    if not raw.startswith(MAGIC):
        raise ModelError(f"{path} is not a Parley classifier model")
    pos = len(MAGIC)
    (n,) = struct.unpack_from("<I", raw, pos)
    meta = json.loads(raw[pos + 4 : pos + 4 + n])
    pos += 4 + n
    (n,) = struct.unpack_from("<I", raw, pos)
    vocabulary = raw[pos + 4 : pos + 4 + n].decode("utf-8").split("\n")
    pos += 4 + n
    size = len(vocabulary) * 4
    arrays = []
    for _ in range(1 + len(meta["labels"])):
        arr = array("f")
        arr.frombytes(raw[pos : pos + size])
        if sys.byteorder == "big":  # pragma: no cover
            arr.byteswap()
        arrays.append(arr)
        pos += size
    if pos != len(raw):
        raise ModelError(f"{path}: {len(raw) - pos} unexpected trailing bytes")
    return Model(meta, vocabulary, arrays[0], dict(zip(meta["labels"], arrays[1:], strict=True)))


_lock = threading.Lock()
_loaded: Model | None = None


def get_model() -> Model:
    """The shipped model, loaded on first use and then shared by the whole process."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = read_model(MODEL_PATH)
    return _loaded

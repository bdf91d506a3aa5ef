"""The shipped model: a linear scorer over the features of :mod:`.features`.

The file (``model/parley-classifier.bin.gz``) is gzip'd and holds, in order:
a 4-byte little-endian length and that many bytes of JSON metadata (labels,
intercepts, how it was trained, its validation and test figures); the
vocabulary, one feature per line in UTF-8; then little-endian float32 arrays
of ``n_features`` values each: the squared idf of every feature, then one
weight vector per label.  Nothing in it is executable (no pickle).

For a comment whose in-vocabulary features ``f`` occur ``c_f`` times, the
probability of label ``l`` is
``sigmoid(b_l + sum(c_f * W_l[f]) / sqrt(sum(c_f * idf2[f])))``: a logistic
regression over tf-idf features scaled to unit length (exactly the l2 norm
when no feature repeats), with the idf (and, for the NB-weighted candidate,
the log-count ratio) folded into ``W_l``.  Both sums are sums over the
comment's words and word pairs, so the runtime caches one vector per word.
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

    __slots__ = ("_model", "_norm", "_pairs", "_probabilities", "_toks", "_vectors", "text")

    def __init__(self, model: Model, text: str) -> None:
        self.text = text
        self._model = model
        toks = self._toks = tokens(text)
        vector = model.token_vector
        vectors = [vector(t) for t, _, _ in toks]
        self._vectors = vectors
        pairs: list[tuple[int, tuple[float, ...]]] = []
        if len(toks) > 1:
            pair_vector = model.pair_vector
            for i in range(len(toks) - 1):
                v = pair_vector(toks[i][0], toks[i + 1][0])
                if v is not None:
                    pairs.append((i, v))
        self._pairs = pairs
        n = len(model.labels)
        if vectors:
            totals: list[float] = list(map(sum, zip(*vectors, *(v for _, v in pairs), strict=True)))
        else:
            totals = [0.0] * (n + 1)
        sq = totals[n]
        self._norm = norm = math.sqrt(sq) if sq > 0 else 1.0
        self._probabilities = {
            label: _sigmoid(b + totals[k] / norm)
            for k, (label, b) in enumerate(model.intercepts.items())
        }

    def probability(self, label: str) -> float:
        return self._probabilities[label]

    def probabilities(self) -> dict[str, float]:
        return dict(self._probabilities)

    def evidence(self, label: str, k: int = 5) -> list[Span]:
        """The ``k`` words whose features add most to ``label``'s logit, as spans of the text.

        A word's share is the weight of its own features (the word and its
        character n-grams) plus half of each word pair it is part of; words
        weighing under a quarter of the heaviest are left out.
        """
        col = self._model.labels.index(label)
        shares = [v[col] for v in self._vectors]
        for i, v in self._pairs:
            half = v[col] / 2
            shares[i] += half
            shares[i + 1] += half
        ranked = sorted((i for i, s in enumerate(shares) if s > 0), key=lambda i: (-shares[i], i))
        # Words that weigh less than a quarter of the heaviest one are noise to a moderator.
        ranked = [i for i in ranked if shares[i] >= shares[ranked[0]] / 4]
        toks = self._toks
        return [
            Span(
                toks[i][1],
                toks[i][2],
                self.text[toks[i][1] : toks[i][2]],
                round(shares[i] / self._norm, 4),
            )
            for i in ranked[:k]
        ]


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


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
        self.intercepts: dict[str, float] = {
            lb: float(meta["intercepts"][lb]) for lb in self.labels
        }
        self.vocabulary: dict[str, int] = {f: i for i, f in enumerate(vocabulary)}
        columns = (*(weights[lb] for lb in self.labels), idf2)
        get = self.vocabulary.get

        # A comment's sums are the sums of its words' and pairs' vectors: one per
        # distinct word, cached (the common words of a language are few).
        @lru_cache(maxsize=32768)
        def token_vector(token: str) -> tuple[float, ...]:
            idx = [i for i in map(get, token_features(token)) if i is not None]
            return tuple(sum(map(c.__getitem__, idx)) for c in columns)

        @lru_cache(maxsize=32768)
        def pair_vector(left: str, right: str) -> tuple[float, ...] | None:
            j = get(bigram(left, right))
            return None if j is None else tuple(c[j] for c in columns)

        self.token_vector = token_vector
        self.pair_vector = pair_vector

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

"""Near-duplicate article text (a wire story and its reprints) with MinHash LSH.

Texts are compared as sets of word shingles; a reprint with a sponsor trailer and its own
title still shares almost every shingle with the original, while two different stories on
the same topic share few. Signatures are plain bytes so storage can keep one per article
and rebuild the index without re-reading texts.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Hashable

import numpy as np
from datasketch import LeanMinHash, MinHashLSH

NUM_PERM = 128
SEED = 1
SCHEME = "affine32"  # datasketch's name for 32-bit values; signatures are NUM_PERM uint32s
SHINGLE_WORDS = 4
DEFAULT_THRESHOLD = 0.5
_DTYPE = np.uint32
_WORD = re.compile(r"\w+")
_EMPTY = np.full(NUM_PERM, 0xFFFFFFFF, dtype=_DTYPE)


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """Our own affine permutations (odd multipliers), fixed so stored signatures stay valid."""
    rng = np.random.RandomState(SEED)  # the legacy generator: the same numbers in every numpy
    a = rng.randint(0, 1 << 31, NUM_PERM, dtype=np.uint64) * 2 + 1
    b = rng.randint(0, 1 << 32, NUM_PERM, dtype=np.uint64)
    return a.astype(_DTYPE), b.astype(_DTYPE)


_A, _B = _permutations()

Key = Hashable


def shingle_hashes(text: str, size: int = SHINGLE_WORDS) -> np.ndarray:
    """32-bit hashes of the word n-grams of case-folded text (a short text is one n-gram)."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if not words:
        return np.empty(0, dtype=_DTYPE)
    word_hashes = np.fromiter((zlib.crc32(w.encode()) for w in words), _DTYPE, len(words))
    count = max(len(words) - size + 1, 1)
    hashes = word_hashes[:count].copy()
    for offset in range(1, min(size, len(words))):
        hashes = (hashes * _DTYPE(0x01000193)) ^ word_hashes[offset : offset + count]
    return _mix32(hashes)


def _mix32(h: np.ndarray) -> np.ndarray:
    """The MurmurHash3 finalizer, so structured inputs spread over all 32 bits."""
    h = h ^ (h >> _DTYPE(16))
    h = h * _DTYPE(0x85EBCA6B)
    h = h ^ (h >> _DTYPE(13))
    h = h * _DTYPE(0xC2B2AE35)
    return h ^ (h >> _DTYPE(16))


def minhash(text: str) -> LeanMinHash:
    """The MinHash of a text's shingles."""
    hashes = shingle_hashes(text)
    values = (hashes[:, None] * _A + _B).min(axis=0) if hashes.size else _EMPTY
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


def signature(text: str) -> bytes:
    """The MinHash of a text as bytes (NUM_PERM uint32 values) to store with the article."""
    return np.asarray(minhash(text).hashvalues, dtype=_DTYPE).tobytes()


def from_signature(data: bytes) -> LeanMinHash:
    """A MinHash rebuilt from signature() bytes."""
    values = np.frombuffer(data, dtype=_DTYPE)
    if values.size != NUM_PERM:
        raise ValueError(f"signature has {values.size} values, expected {NUM_PERM}")
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


class NearDuplicateIndex:
    """Keys of texts added so far, searchable for near-duplicates of a new text."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._sketches: dict[Key, LeanMinHash] = {}

    def __len__(self) -> int:
        return len(self._sketches)

    def __contains__(self, key: object) -> bool:
        return key in self._sketches

    def add(self, key: Key, text: str) -> None:
        """Index a text under key (an article id or URL)."""
        self.add_signature(key, minhash(text))

    def add_signature(self, key: Key, sketch: LeanMinHash | bytes) -> None:
        """Index a stored signature (bytes from signature()) or a MinHash under key."""
        if isinstance(sketch, bytes):
            sketch = from_signature(sketch)
        if key in self._sketches:
            self.remove(key)
        if _is_empty(sketch):
            return  # no words: nothing to compare with
        self._lsh.insert(key, sketch)
        self._sketches[key] = sketch

    def remove(self, key: Key) -> None:
        """Forget a key (e.g. an article that aged out of the window)."""
        if self._sketches.pop(key, None) is not None:
            self._lsh.remove(key)

    def find_or_add(self, key: Key, text: str) -> list[Key]:
        """Near-duplicates of text already indexed; when there are none, index it under key."""
        sketch = minhash(text)
        matches = self.find_signature(sketch)
        if not matches:
            self.add_signature(key, sketch)
        return matches

    def find_signature(self, sketch: LeanMinHash | bytes) -> list[Key]:
        """Keys whose texts are near-duplicates of the signature's text, most similar first."""
        if isinstance(sketch, bytes):
            sketch = from_signature(sketch)
        if _is_empty(sketch):
            return []
        scored = [(self._sketches[key].jaccard(sketch), key) for key in self._lsh.query(sketch)]
        matches = [(score, key) for score, key in scored if score >= self.threshold]
        matches.sort(key=lambda pair: -pair[0])
        return [key for _, key in matches]


def _is_empty(sketch: LeanMinHash) -> bool:
    return bool(np.array_equal(sketch.hashvalues, _EMPTY))

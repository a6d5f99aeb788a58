"""English word vectors for the spaCy pipeline, built from a package (nothing is downloaded
at run time).

Why: the NLU otherwise sees only word and character counts, so it cannot tell that
"husband", "wife" and "partner" mean similar things unless the training data says so
for every topic. Word vectors carry that meaning; Rasa's SpacyFeaturizer feeds them to
DIET and the ResponseSelector.

Where they come from: the `wordllama` wheel on PyPI ships static token embeddings
(256 dimensions, 32,000 sub-word tokens of the Llama 2 tokenizer) plus the tokenizer's
BPE merges. We cannot install the package itself (it needs numpy 2 and pydantic 2;
Rasa 3.6 pins 1.x), so `pip download` fetches the wheel and we read the two files out
of it, checking their SHA-256 first. A word's vector is the mean of its BPE pieces'
embeddings, which is how WordLlama itself pools tokens.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Iterable

import numpy as np

WHEEL_REQUIREMENT = "wordllama==0.4.0.post1"
WEIGHTS_FILE = "wordllama/weights/l2_supercat_256.safetensors"
TOKENIZER_FILE = "wordllama/tokenizers/l2_supercat_tokenizer_config.json"
# The same bytes in every platform's wheel; a different file means a different model.
SHA256 = {
    WEIGHTS_FILE: "64b47a2dc493cb8e85944076601189739852d7b64e0e1eedcb1937a251cd9fd5",
    TOKENIZER_FILE: "93248f2a9ec36c7b35f700a033d5f36228aae48db61aee31007fa49062cdeb68",
}
VECTORS_NAME = "wordllama_l2_supercat_256"
WORD_START = "\u2581"  # the tokenizer's marker for "a new word starts here"


def fetch_wheel(directory: Path) -> Path:
    """The wordllama wheel from the package index (reused when already there)."""
    wheels = sorted(directory.glob("wordllama-0.4.0.post1-*.whl"))
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", "--dest", str(directory), WHEEL_REQUIREMENT],
            check=True,
        )
        wheels = sorted(directory.glob("wordllama-0.4.0.post1-*.whl"))
    return wheels[0]


def _read_checked(wheel: zipfile.ZipFile, name: str) -> bytes:
    data = wheel.read(name)
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256[name]:
        raise ValueError(f"{name} in the wordllama wheel has SHA-256 {digest}, expected {SHA256[name]}")
    return data


def _embedding_matrix(safetensors: bytes) -> np.ndarray:
    """The one tensor of a safetensors file: 8-byte header length, JSON header, raw data."""
    (header_length,) = struct.unpack("<Q", safetensors[:8])
    header = json.loads(safetensors[8:8 + header_length])
    tensor = header["embedding.weight"]
    start, end = tensor["data_offsets"]
    raw = safetensors[8 + header_length + start:8 + header_length + end]
    return np.frombuffer(raw, dtype=np.float16).reshape(tensor["shape"]).astype(np.float32)


class WordEmbedder:
    """Vector of any lower-case word: its BPE pieces' embeddings, averaged."""

    def __init__(self, matrix: np.ndarray, token_ids: dict[str, int], merges: list) -> None:
        self.matrix = matrix
        self.token_ids = token_ids
        self.merge_rank = {tuple(m.split(" ") if isinstance(m, str) else m): rank
                           for rank, m in enumerate(merges)}

    @classmethod
    def from_wheel(cls, wheel_path: Path) -> "WordEmbedder":
        with zipfile.ZipFile(wheel_path) as wheel:
            matrix = _embedding_matrix(_read_checked(wheel, WEIGHTS_FILE))
            tokenizer = json.loads(_read_checked(wheel, TOKENIZER_FILE))
        return cls(matrix, tokenizer["model"]["vocab"], tokenizer["model"]["merges"])

    @property
    def dimensions(self) -> int:
        return self.matrix.shape[1]

    def pieces(self, word: str) -> list[str]:
        """Byte-pair encoding: repeatedly join the adjacent pair with the lowest merge rank."""
        parts = list(WORD_START + word)
        while len(parts) > 1:
            ranked = [(self.merge_rank.get(pair, sys.maxsize), i)
                      for i, pair in enumerate(zip(parts, parts[1:]))]
            rank, i = min(ranked)
            if rank == sys.maxsize:
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        return parts

    def vector(self, word: str) -> np.ndarray:
        ids = [self.token_ids[p] for p in self.pieces(word) if p in self.token_ids]
        if not ids:
            return np.zeros(self.dimensions, dtype=np.float32)
        return self.matrix[ids].mean(axis=0)


def vocabulary(lookups_data_dir: Path, training_words: Iterable[str],
               frequent_words: int = 50_000) -> list[str]:
    """Words that get a vector: the most frequent English words and word forms of
    spacy-lookups-data, plus every word of the training examples (so "emdr", "cptsd"
    and the typos people make have one too)."""
    lemma_lookup = json.loads(gzip.open(lookups_data_dir / "en_lemma_lookup.json.gz").read())
    probabilities = json.loads(gzip.open(lookups_data_dir / "en_lexeme_prob.json.gz").read())
    by_frequency = sorted(probabilities, key=probabilities.get, reverse=True)[:frequent_words]
    words = {w.lower() for w in by_frequency}
    words |= {w.lower() for w in lemma_lookup} | {w.lower() for w in lemma_lookup.values()}
    words |= {w.lower() for w in training_words}
    return sorted(w for w in words if w.strip())

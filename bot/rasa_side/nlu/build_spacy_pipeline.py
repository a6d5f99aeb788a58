"""Build the project's own English spaCy pipeline.

No pretrained spaCy model can be downloaded where this bot runs, so we build one:
spaCy's blank English tokenizer, a lookup lemmatizer whose tables come from the
`spacy-lookups-data` package, and word vectors made from the token embeddings in the
`wordllama` package (see bot/rasa_side/nlu/word_vectors.py). Rasa's SpacyNLP loads it from disk;
its tokens and lemmas feed the count featurizers and the crisis safety matcher, its
vectors feed SpacyFeaturizer.

Usage: python -m bot.rasa_side.nlu.build_spacy_pipeline [OUTPUT_DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import numpy as np
import spacy
import spacy_lookups_data
import yaml
from spacy.vectors import Vectors

from bot.rasa_side.nlu.word_vectors import VECTORS_NAME, WordEmbedder, fetch_wheel, vocabulary

DEFAULT_OUTPUT = Path("var/spacy/en_lemmas_vectors")
PIPELINE_NAME = "lemmas_vectors"
NLU_DATA = Path("data/nlu")
WHEELS = Path("var/wheels")
LOOKUPS_DATA = Path(spacy_lookups_data.__file__).parent / "data"


def training_words(nlp: "spacy.language.Language", nlu_dir: Path) -> Iterator[str]:
    """Every token of every training example, lower-cased as SpacyNLP sees it."""
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in block.get("examples", "").splitlines():
                example = line.strip().removeprefix("- ").lower()
                yield from (token.text for token in nlp.make_doc(example))


def build_pipeline(embedder: WordEmbedder, nlu_dir: Path = NLU_DATA) -> "spacy.language.Language":
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # initialize() pulls the `lemma_lookup` table from spacy-lookups-data.
    nlp.initialize()
    words = vocabulary(LOOKUPS_DATA, training_words(nlp, nlu_dir))
    keys = [nlp.vocab.strings.add(word) for word in words]
    table = np.stack([embedder.vector(word) for word in words])
    nlp.vocab.vectors = Vectors(data=table, keys=keys, name=VECTORS_NAME)
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["description"] = ("Blank English tokenizer, lookup lemmatizer (spacy-lookups-data), "
                               "word vectors from wordllama's token embeddings")
    return nlp


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    WHEELS.mkdir(parents=True, exist_ok=True)
    nlp = build_pipeline(WordEmbedder.from_wheel(fetch_wheel(WHEELS)))
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    print(f"spaCy pipeline written to {output} ({len(nlp.vocab.vectors)} word vectors)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Build the project's own English spaCy pipeline.

No pretrained spaCy model can be downloaded where this bot runs, so we build one:
spaCy's blank English tokenizer plus a lookup lemmatizer whose tables come from the
`spacy-lookups-data` package. Rasa's SpacyNLP loads it from disk; its tokens and
lemmas feed the featurizers and the crisis safety matcher.

Usage: python -m bot.nlu.build_spacy_pipeline [OUTPUT_DIR]
"""
from __future__ import annotations

import sys
from pathlib import Path

import spacy

DEFAULT_OUTPUT = Path("var/spacy/en_blank_lemmas")
PIPELINE_NAME = "blank_lemmas"


def build_pipeline() -> "spacy.language.Language":
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # initialize() pulls the `lemma_lookup` table from spacy-lookups-data.
    nlp.initialize()
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["description"] = "Blank English tokenizer + lookup lemmatizer (spacy-lookups-data)"
    return nlp


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    nlp = build_pipeline()
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    print(f"spaCy pipeline written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

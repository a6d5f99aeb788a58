# The project's verbs. `make run` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
SPACY_MODEL := var/spacy/en_lemmas_vectors
MODEL := models/current.tar.gz
ENV := . scripts/env.sh &&

# Rasa 3.6 needs Python 3.10: pyenv's 3.10 build, else python3.10 from PATH.
PYTHON310 := $(shell scripts/find_python310.sh)

# data/crisis/ trains the crisis classifier (on text normalised with data/safety/emoji_words.yml,
# with what data/safety/crisis_patterns.yml finds in it);
# the rest of data/safety/ is read when the server starts, not trained; data/review/ is the
# clinicians' sign-off, read when the server starts; data/staff/ is the console's prepared replies, data/notices/ the email to visitors.
# The NLU components' code is an input too: the crisis classifier's features come from it.
TRAINING_INPUTS := config.yml domain.yml data/safety/emoji_words.yml data/safety/crisis_patterns.yml \
  $(wildcard bot/safety/*.py bot/rasa_side/nlu/*.py) \
  $(shell find data -name '*.yml' -not -path 'data/safety/*' -not -path 'data/review/*' -not -path 'data/staff/*' -not -path 'data/notices/*' 2>/dev/null)

.PHONY: help install spacy train run test unit integration stories eval bench validate clean

help:
	@echo "make run    set up (venv, spaCy pipeline, model) and start the bot on SQLite"
	@echo "make test   unit, integration and story tests"
	@echo "make eval   NLU cross-validation, story tests and the crisis evaluation (reports/)"
	@echo "make bench  latency, memory and start-up of the real servers, a crisis during a flood, one vs two replicas"
	@echo "            (BENCH_POSTGRES_URL), the staff API, and a fresh clone's first answer"
	@echo "make train  train the full model when data or config changed"

$(VENV)/.installed: requirements.txt
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "Python 3.10 is required by Rasa 3.6 and was not found."; \
	  echo "Install it, e.g. 'pyenv install 3.10.13' or 'apt-get install python3.10 python3.10-venv', then run make again."; \
	  exit 1; fi
	[ -x $(PY) ] || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25" wheel
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Rebuilt when the NLU data changes: every word of the training examples gets a vector.
$(SPACY_MODEL)/meta.json: $(VENV)/.installed bot/rasa_side/nlu/build_spacy_pipeline.py bot/rasa_side/nlu/word_vectors.py $(wildcard data/nlu/*.yml)
	$(PY) -m bot.rasa_side.nlu.build_spacy_pipeline $(SPACY_MODEL)

spacy: $(SPACY_MODEL)/meta.json

# Trains only when data or config changed (make compares file times with the model); about
# a minute on two cores. --force: Rasa's own check does not see data/crisis/.
$(MODEL): $(SPACY_MODEL)/meta.json $(TRAINING_INPUTS)
	$(ENV) $(RASA) train --force --config config.yml --domain domain.yml --data data \
	  --out models --fixed-model-name current

train: $(MODEL)

validate: $(VENV)/.installed
	$(ENV) $(RASA) data validate --config config.yml --domain domain.yml --data data --fail-on-warnings
	@# Lists the texts changed since a clinician signed them off (data/review/); informs, does not fail.
	$(ENV) $(PY) -m bot content status

run: $(MODEL)
	scripts/run_stack.sh

unit: $(SPACY_MODEL)/meta.json
	$(ENV) $(PY) -m pytest tests/unit -q

# The browser tests' axe-core and the widget's socket.io client (vendored copy checked by a test).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The staff console's browser test needs Debian's chromium (.ci/run installs it).
integration: $(MODEL) node_modules/.installed
	@command -v chromium >/dev/null || { echo "Install chromium for the browser tests: sudo apt-get install chromium"; exit 1; }
	$(ENV) $(PY) -m pytest tests/integration -q

# End to end: the user text of every story is parsed, so the NLU and the crisis triage are
# in the loop, not only the dialogue policies.
stories: $(MODEL)
	$(ENV) $(RASA) test core --e2e --model $(MODEL) --stories tests/test_stories.yml \
	  --out results/stories --fail-on-prediction-errors

test: validate unit integration stories

eval: $(MODEL)
	$(ENV) $(PY) -m tests.evaluation.run_eval

bench: $(MODEL)
	$(ENV) $(PY) -m tests.benchmarks.bench_conversation
	$(ENV) $(PY) -m tests.benchmarks.bench_load
	$(ENV) $(PY) -m tests.benchmarks.bench_replicas
	$(ENV) $(PY) -m tests.benchmarks.bench_staff_api
	$(PY) -m tests.benchmarks.bench_first_answer

clean:
	rm -rf models results

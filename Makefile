# Two commands: `make run` (chat with the assistant) and `make test` (every check).
# Everything else is a step they depend on, each a no-op when its inputs have not changed.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV            ?= .venv
BIN             := $(VENV)/bin
MODEL           := models/assistant.tar.gz
CATALOGUE_DB    ?= var/catalogue.db
DEMO_CATALOGUE  := catalogue_sync/demo/catalogue.json
CATALOGUE_SOURCE ?= $(DEMO_CATALOGUE)
RASA_PORT       ?= 5005
ACTIONS_PORT    ?= 5055

export CATALOGUE_DB CATALOGUE_SOURCE RASA_PORT ACTIONS_PORT
# No network at run time: Rasa's telemetry stays off, TensorFlow stays quiet.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

RASA := $(BIN)/rasa
# Everything the trained model is built from or imports (tests/test_train_inputs.py checks the
# imports): the data, the custom NLU components and the modules they use.
BOT_INPUTS := config.yml $(shell find bot/domain.yml bot/data bot/spelling -type f -name '*.yml' 2>/dev/null) \
	bot/__init__.py bot/language.py bot/text.py bot/spelling.py bot/for_a_person.py bot/config.py bot/rasa_patches.py \
	$(wildcard bot/nlu/*.py) $(addprefix catalogue_sync/,__init__.py db.py errors.py feed.py read.py utils.py)

.PHONY: help setup train catalogue run test validate pytest conversation-tests eval bench clean train-inputs

help:
	@echo "make run    - set up, train if needed, sync the demo catalogue, start the assistant"
	@echo "make test   - set up, then every check: data validation, pytest, conversation tests"
	@echo "make eval   - NLU evaluation on the held-out test set, then whole conversations on an unseen catalogue (reports in results/)"
	@echo "make bench  - benchmarks (catalogue sync, NLU latency, registrations)"

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || { py=$$(scripts/find-python310) && echo "Creating $(VENV) with $$py" && $$py -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade "pip<25"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

# Train only when the bot's data, domain, config or custom NLU components changed.
train: $(MODEL)

train-inputs:
	@echo $(BOT_INPUTS)

$(MODEL): $(VENV)/.installed $(BOT_INPUTS)
	@mkdir -p models
	$(RASA) train --config config.yml --domain bot/domain.yml --data bot/data \
		--out models --fixed-model-name assistant --quiet
	@touch $@

# Without a CATALOGUE_SOURCE from the user, the demo catalogue, its dates moved forward so that a
# demo always has sessions to come (--demo writes the moved copy beside the database). Exit code 4
# (some records rejected, the rest applied) still leaves a catalogue the bot can use.
catalogue: $(VENV)/.installed
	@mkdir -p $(dir $(CATALOGUE_DB))
	@if [ "$(origin CATALOGUE_SOURCE)" = file ] || [ -z "$$CATALOGUE_SOURCE" ] \
	    || [ "$$CATALOGUE_SOURCE" = "$(DEMO_CATALOGUE)" ]; then \
	  echo "Syncing the demo catalogue into $(CATALOGUE_DB)"; \
	  $(BIN)/catalogue-sync sync --demo --db "$(CATALOGUE_DB)" || test $$? -eq 4; \
	else \
	  echo "Syncing the catalogue from $$CATALOGUE_SOURCE into $(CATALOGUE_DB)"; \
	  $(BIN)/catalogue-sync sync "$$CATALOGUE_SOURCE" --db "$(CATALOGUE_DB)" || test $$? -eq 4; \
	fi
	@# Bookings follow the feed: a cancelled or moved session marks its registrations and mails them.
	@$(BIN)/registrations sync-sessions --catalogue "$(CATALOGUE_DB)" > /dev/null || \
	  echo "registrations sync-sessions failed: bookings do not know of this sync yet (see \`registrations sync-sessions --help\`)" >&2

run: $(MODEL) catalogue
	@scripts/run-assistant

validate: $(VENV)/.installed
	$(BIN)/python scripts/validate_data.py

pytest: $(MODEL)
	$(BIN)/python -m pytest -ra

conversation-tests: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/conversations \
		--fail-on-prediction-errors --out results/conversations --no-plot

test: validate pytest conversation-tests

# With the demo catalogue synced: the catalogue matcher reads it, as it does in `make run`. The
# conversation evaluation syncs its own catalogue (tests/eval/catalogue.json) into a temporary file.
eval: $(MODEL) catalogue
	$(BIN)/python -m bench.eval_nlu --model $(MODEL) --out results/nlu-eval
	$(BIN)/python -m bench.eval_conversations --model $(MODEL) --out results/eval-conversations

bench: $(MODEL)
	$(BIN)/python bench/bench_sync.py
	$(BIN)/python bench/bench_nlu_latency.py --model $(MODEL)
	$(BIN)/python bench/bench_long_messages.py --model $(MODEL)
	$(BIN)/python bench/bench_registrations.py

# A database goes with its WAL files: a -wal left behind could be read into a new database of that name.
clean:
	rm -rf models results var/*.db var/*.db-wal var/*.db-shm var/demo-catalogue.json .pytest_cache

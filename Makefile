# The course's commands. Each target creates .venv on first use; nothing is installed globally.
#   make lab     open the course in JupyterLab (a learner's view; ROLE=instructor for all tools)
#   make test    lint, validate the bank, run the whole test suite
#   make bench   run the benchmarks and print their figures
#   make release regenerate release/ from source/ with nbgrader (instructors)
#   make hub     run the course's JupyterHub on this machine, as root (instructors):
#                make hub LEARNERS=ana,ben [INSTRUCTOR=instructor PORT=8000]
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: lab test bench lint release hub clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# An editable install skips the package's data files: the server extension's switch (a
# Content Security Policy on the formgrader's learner pages) is copied in by hand.
$(VENV)/.runtime: requirements.txt pyproject.toml jupyter-config/pmtech.json | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt -e .
	mkdir -p $(VENV)/etc/jupyter/jupyter_server_config.d
	cp jupyter-config/pmtech.json $(VENV)/etc/jupyter/jupyter_server_config.d/pmtech.json
	touch $@

$(VENV)/.test: requirements-test.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

# A learner's JupyterLab on this folder (ROLE=instructor shows nbgrader's instructor tools).
ROLE ?= learner
lab: $(VENV)/.runtime
	$(BIN)/pmtech lab . $(if $(filter instructor,$(ROLE)),--instructor,)

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(VENV)/.test
	bash scripts/ensure-system-packages.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pmtech validate
	$(BIN)/pytest $(PYTEST_ARGS)

$(VENV)/.hub: requirements-hub.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-hub.txt
	touch $@

LEARNERS   ?=
INSTRUCTOR ?= instructor
PORT       ?= 8000
hub: $(VENV)/.hub
	$(BIN)/pmtech hub --learners "$(LEARNERS)" --instructor $(INSTRUCTOR) --port $(PORT)

release: $(VENV)/.runtime
	$(BIN)/python -m pmtech.release .

bench: $(VENV)/.test
	$(BIN)/python benchmarks/run_all.py

clean-venv:
	rm -rf $(VENV)

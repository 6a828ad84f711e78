# Kindling. `make demo` and `make test` are the two entry points; both
# install what they need on a Debian 12 machine (as root).
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
BIN := bin
LDFLAGS := -s -w
FUZZTIME ?= 10s

.PHONY: all build deps test unit lint docs check-docs fuzz bench demo clean

all: build

deps:
	scripts/deps.sh build

build: deps
	mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/provision ./cmd/provision
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/transpile ./cmd/transpile

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

unit:
	$(GO) test -count=1 ./...

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./config

check-docs:
	$(GO) run ./cmd/provision docs --check docs/spec

docs:
	$(GO) run ./cmd/provision docs docs/spec

test: build lint check-docs unit fuzz
	@echo "make test: all checks passed"

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./config

demo: build
	@for f in docs/examples/*.json; do echo "== $$f"; $(BIN)/provision validate "$$f" && echo "valid"; done

clean:
	rm -rf $(BIN)

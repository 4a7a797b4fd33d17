# Coffer: `make demo` runs the main job, `make test` passes every test. Both set up what is missing.
SWIFT      ?= swift
CONFIG     ?= debug
SWIFTFLAGS ?=
BIN         = $(shell $(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS) --show-bin-path)

.PHONY: all bootstrap bootstrap-test build demo test bench firmware-embedded clean

all: build

bootstrap:
	@scripts/bootstrap.sh

bootstrap-test:
	@scripts/bootstrap.sh test

build: bootstrap
	$(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS)

demo: build
	@echo "demo: not yet wired (see issues)"

test: bootstrap-test
	$(SWIFT) build --build-tests $(SWIFTFLAGS)
	$(SWIFT) test --skip-build $(SWIFTFLAGS)
	@$(MAKE) --no-print-directory firmware-embedded

# Runs every libFuzzer target for FUZZ_SECONDS each; failing inputs go to Fuzz/regressions/ (replayed by make test).
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: bootstrap
	@scripts/fuzz.sh $(FUZZ_SECONDS)

firmware-embedded:
	@scripts/firmware-embedded.sh

bench: bootstrap
	@echo "bench: not yet wired"

clean:
	rm -rf .build .build-* .bench

# Coffer: `make demo` runs the main job, `make test` passes every test. Both set up what is missing.
SWIFT      ?= swift
CONFIG     ?= debug
SWIFTFLAGS ?=
BIN         = $(shell $(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS) --show-bin-path)

.PHONY: all bootstrap bootstrap-test bootstrap-realm build demo realm-demo test crash-test bench firmware-embedded firmware-qemu ctgrind clean install sim

all: build

bootstrap:
	@scripts/bootstrap.sh

bootstrap-test:
	@scripts/bootstrap.sh test

bootstrap-realm:
	@scripts/bootstrap.sh realm

build: bootstrap
	$(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS)

demo: build
	"$(BIN)/cofferctl" demo

# A realm of five emulator members in three data centers, agents, a front-end and a 3-member etcd
# cluster: `make realm-demo`, or `make realm-demo STORE=dir` without etcd.
STORE ?= etcd
realm-demo:
	@scripts/bootstrap.sh realm
	$(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS)
	@scripts/realm-demo.sh "$(BIN)" --store $(STORE)

# The realm's process suites (agents, front-end, store, the system story) serve HTTP and wait on
# timeouts and heartbeats: they run in a second pass of their own, not beside the CPU-bound suites
# that would starve Swift's two-thread cooperative pool on a 2-core machine.
REALM_PROCESS_SUITES = CofferRealmAgentTests|CofferFrontendTests|CofferRealmStoreTests|RealmSystemTests
test: bootstrap-test
	$(SWIFT) build --build-tests $(SWIFTFLAGS)
	$(SWIFT) test --skip-build $(SWIFTFLAGS) --skip '$(REALM_PROCESS_SUITES)'
	$(SWIFT) test --skip-build $(SWIFTFLAGS) --filter '$(REALM_PROCESS_SUITES)'
	@$(MAKE) --no-print-directory firmware-embedded
	@$(MAKE) --no-print-directory firmware-qemu
	COFFER_EMULATOR="$(BIN)/coffer-emulator" COFFER_QEMU_IMAGE_BUILT=1 python3 -m pytest -q Tests/InteropTests
	@SWIFT="$(SWIFT)" scripts/library-consumer.sh

# The realm simulator on many seeds (`make test` runs 20 per group size): `make sim SEEDS=2000`, or one
# failing seed again with `make sim SEEDS=1 FIRST_SEED=N`. Prints seeds, steps and violations.
SEEDS      ?= 500
FIRST_SEED ?= 1
sim: bootstrap-test
	$(SWIFT) build --build-tests $(SWIFTFLAGS)
	COFFER_SIM_SEEDS=$(SEEDS) COFFER_SIM_FIRST_SEED=$(FIRST_SEED) $(SWIFT) test --skip-build $(SWIFTFLAGS) \
		--filter 'RealmSimulationTests|RealmScenarioTests|RealmNegativeTwinTests'

# The power-cut sweep in full: every write of every command also cut on the built emulator (`make test`
# runs every command in-process and a bounded set on the emulator).
crash-test: bootstrap
	$(SWIFT) build --build-tests $(SWIFTFLAGS)
	COFFER_CRASH_SWEEP=full $(SWIFT) test --skip-build $(SWIFTFLAGS) --filter FaultInjectionTests

# Runs every libFuzzer target for FUZZ_SECONDS each; failing inputs go to Fuzz/regressions/ (replayed by make test).
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz: bootstrap
	@scripts/fuzz.sh $(FUZZ_SECONDS)

firmware-embedded:
	@scripts/firmware-embedded.sh

# The firmware as a Cortex-M4 image for QEMU's mps2-an386 (scripts/qemu): needs `scripts/bootstrap.sh qemu`.
# Prints its flash and RAM use against the 256 KiB / 96 KiB targets.
firmware-qemu:
	@scripts/firmware-qemu.sh

# The constant-time check on its own (make test runs it too, as ConstantTimeTests): each secret-handling
# operation of the pure engine under valgrind memcheck with its secret marked undefined must report no
# error; the leaky control must report some. CONFIG=release checks the optimised code.
CTGRIND_OPERATIONS = scalar-mult generator-mult aes aes-gcm hash-to-curve hkdf aes-kwp ecdsa-sign
ctgrind: bootstrap-test
	$(SWIFT) build -c $(CONFIG) $(SWIFTFLAGS) --product coffer-ctgrind
	@for op in $(CTGRIND_OPERATIONS); do \
	    valgrind -q --error-exitcode=99 "$(BIN)/coffer-ctgrind" $$op || { echo "ctgrind: $$op FAILED"; exit 1; }; \
	done
	@if valgrind -q --error-exitcode=99 "$(BIN)/coffer-ctgrind" branchy >/dev/null 2>&1; then \
	    echo "ctgrind: the leaky control was not flagged: the check is broken"; exit 1; \
	else echo "ctgrind: leaky control flagged, as it must be"; fi

bench: bootstrap-realm
	$(SWIFT) build -c release $(SWIFTFLAGS) --product coffer-bench
	$(SWIFT) build -c release $(SWIFTFLAGS) --product coffer-emulator
	$(SWIFT) build -c release $(SWIFTFLAGS) --product coffer-noop
	$(SWIFT) build -c release $(SWIFTFLAGS) --product coffer-noop-crypto
	$(SWIFT) build -c release $(SWIFTFLAGS) --product cofferctl
	$(SWIFT) build -c release $(SWIFTFLAGS) --product coffer-agent
	$(SWIFT) build -c release $(SWIFTFLAGS) --product coffer-frontend
	@python3 Benchmarks/run.py "$$($(SWIFT) build -c release $(SWIFTFLAGS) --show-bin-path)/coffer-bench"

# Installs both tools, their shell completions (bash, zsh, fish) and man pages, generated from their
# argument parsers, and the udev rule. `make install PREFIX=$$HOME/.local` needs no root; DESTDIR stages.
PREFIX  ?= /usr/local
UDEVDIR ?= $(PREFIX)/lib/udev/rules.d
install: build
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/man/man1" "$(DESTDIR)$(UDEVDIR)" \
		"$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
		"$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"
	set -e; for tool in cofferctl coffer-emulator; do \
		install -m 755 "$(BIN)/$$tool" "$(DESTDIR)$(PREFIX)/bin/$$tool"; \
		"$(BIN)/$$tool" --generate-completion-script bash > "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$tool"; \
		"$(BIN)/$$tool" --generate-completion-script zsh > "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_$$tool"; \
		"$(BIN)/$$tool" --generate-completion-script fish > "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$tool.fish"; \
	done
	$(SWIFT) package generate-manual --configuration $(CONFIG)
	set -e; for tool in cofferctl coffer-emulator; do \
		install -m 644 "$$(find .build/plugins -path "*GenerateManual*" -name "$$tool.1" | head -n 1)" \
			"$(DESTDIR)$(PREFIX)/share/man/man1/$$tool.1"; \
	done
	install -m 644 HostTools/udev/70-coffer.rules "$(DESTDIR)$(UDEVDIR)/70-coffer.rules"

clean:
	rm -rf .build .build-* .bench

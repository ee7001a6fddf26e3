# Kasse — the point-of-sale hub. `make run` starts one hub with the demo
# shop; `make test` runs every test. Both set the machine up first.

GO       ?= go
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
# Packages whose tests also run as arm64 under qemu-user (the domain).
ARM64_PKGS := ./hub/money ./hub/barcode ./hub/config ./hub/ledger

.PHONY: setup run test check test-race test-arm64 bench bench-load bench-memory bench-cluster build build-arm64 fuzz soak clean

setup:
	@./.ci/setup

# One hub, embedded laptop defaults, demo shop; prints the register API URL.
run: setup
	$(GO) run -ldflags "$(LDFLAGS)" ./hub/cmd/kasse run $(if $(CONFIG),-config $(CONFIG))

test: setup check test-race build-arm64 test-arm64
	@echo "make test: all passed"

check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

test-race:
	$(GO) test -race -count=1 -timeout 15m ./...

test-arm64:
	GOARCH=arm64 $(GO) test -count=1 -timeout 10m -exec qemu-aarch64-static $(ARM64_PKGS)

bench: build
	$(GO) test -run '^$$' -bench . -benchtime 3s ./hub/ledger ./hub/saft ./web ./replicate
	$(MAKE) bench-load

# Scan keystroke to line on screen in headless Chromium against a hub process.
bench-ui:
	$(GO) test -run '^$$' -bench ScanToScreen -benchtime 300x ./hub/cmd/kasse

# A real hub process in a temp dir under kasseload from 1 and 32 registers,
# then 32 registers offered 3 000 and 5 000 commands/s.
bench-load: build
	@d=$$(mktemp -d); \
	KASSE_HUB_DATA=$$d KASSE_LOG_LEVEL=warn KASSE_HTTP_ADDR=127.0.0.1:18080 KASSE_RAFT_BIND=127.0.0.1:17001 \
		./bin/kasse run >/dev/null 2>$$d/log & pid=$$!; \
	./bin/kasseload -url http://127.0.0.1:18080 -registers 1 -duration 10s; \
	./bin/kasseload -url http://127.0.0.1:18080 -registers 32 -duration 10s; \
	./bin/kasseload -url http://127.0.0.1:18080 -registers 32 -duration 10s -rate 3000; \
	./bin/kasseload -url http://127.0.0.1:18080 -registers 32 -duration 10s -rate 5000; \
	kill $$pid; wait $$pid; rm -rf $$d

# Three hub processes on this machine: add-line commands/s at 1 and 32
# registers next to etcd (Debian etcd-server, three members), failover
# after SIGKILL of the leader (20 trials), catch-up after 100 000 missed
# commands. Prints the FIGURE lines (several minutes).
bench-cluster: build
	@command -v etcd >/dev/null || echo "bench-cluster: etcd not installed (apt-get install etcd-server): its reference figure is skipped"
	TEST_KASSE_BIN=$(CURDIR)/bin/kasse TEST_KASSELOAD_BIN=$(CURDIR)/bin/kasseload CLUSTER_FIGURES=$(or $(PARTS),1) \
		$(GO) test -run TestClusterFigures -count=1 -timeout 60m -v ./hub/cmd/kasse | grep --line-buffered -E '^FIGURE|^(---|ok|FAIL)|_test.go:|kasse:'

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/kasse ./hub/cmd/kasse
	$(GO) build -o bin/kasseload ./hub/cmd/kasseload

build-arm64:
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -ldflags "$(LDFLAGS)" -o bin/kasse-linux-arm64 ./hub/cmd/kasse

# A small-board hub with 50 000 items and 1 000 000 journal entries: time to
# ready and resident memory. Builds the data first (several minutes).
bench-memory:
	BIGSHOP_JOURNAL=1000000 $(GO) test -run TestBigShop -count=1 -timeout 60m -v ./hub/cmd/kasse

# The fault harness for SOAK (default 10m) per shop size: three and five hub
# processes under load, faults drawn at random, then the checker
# (KASSE_CHAOS_RACE=1 builds the hubs with the race detector).
SOAK ?= 10m
soak: setup
	KASSE_SOAK=$(SOAK) $(GO) test -run 'TestThreeHubs|TestFiveHubs' -count=1 -timeout 0 -v ./hub/chaos

# Each fuzzer for FUZZTIME (default 30s).
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./hub/barcode
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime $(FUZZTIME) ./hub/money
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./hub/ledger
	$(GO) test -run '^$$' -fuzz FuzzApply -fuzztime $(FUZZTIME) ./hub/ledger
	$(GO) test -run '^$$' -fuzz FuzzScanHead -fuzztime $(FUZZTIME) ./hub/ledger
	$(GO) test -run '^$$' -fuzz FuzzWriter -fuzztime $(FUZZTIME) ./hub/saft
	$(GO) test -run '^$$' -fuzz FuzzDecodeResponse -fuzztime $(FUZZTIME) ./drivers/terminal
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./drivers/mqtt
	$(GO) test -run '^$$' -fuzz FuzzParseToken -fuzztime $(FUZZTIME) ./hub/cluster

clean:
	rm -rf bin

# Publica: `make run` starts a development node with the portal, `make demo`
# the same seeded with a demo town; `make test` is the full check CI runs.
GO        ?= go
BIN       := bin/publica
DEV_HOME  ?= .publica-dev
PORTAL    ?= 127.0.0.1:8080
FUZZTIME  ?= 10s

.PHONY: build run demo test check generate fuzz bench clean

build:
	$(GO) build -o $(BIN) ./cmd/publica

run: build
	@if [ ! -f $(DEV_HOME)/config/genesis.json ]; then $(BIN) init --dev --home $(DEV_HOME); fi
	$(BIN) start --home $(DEV_HOME) --portal $(PORTAL)

# A development chain seeded with a demo town through signed transactions
# (parcels, titles, credentials, elections); the portal's /demo page signs
# in as each demo role.
demo: build
	@if [ ! -f $(DEV_HOME)/config/genesis.json ]; then $(BIN) init --dev --demo --home $(DEV_HOME); \
	elif [ ! -f $(DEV_HOME)/demo.done ] && [ ! -f $(DEV_HOME)/demo.pending ]; then \
		echo "$(DEV_HOME)/ holds a chain without the demo town: delete it (rm -rf $(DEV_HOME)) for a fresh demo chain"; exit 1; fi
	$(BIN) start --home $(DEV_HOME) --portal $(PORTAL)

generate:
	$(GO) tool templ generate
	scripts/build-ballotwasm.sh

# Static checks: formatting, vet, generated files up to date.
check:
	scripts/check.sh

test: check
	scripts/install-browser.sh
	scripts/install-gdal.sh
	scripts/install-node.sh
	scripts/install-poppler.sh
	scripts/install-qpdf.sh
	scripts/install-fonts.sh
	PUBLICA_REQUIRE_BROWSER=1 PUBLICA_REQUIRE_GDAL=1 PUBLICA_REQUIRE_NODE=1 PUBLICA_REQUIRE_PDFTOTEXT=1 PUBLICA_REQUIRE_QPDF=1 PUBLICA_REQUIRE_CJKFONT=1 $(GO) test -count=1 -timeout 20m ./...
	cd third_party/memiavl && $(GO) test -count=1 ./...
	cd third_party/memiavl && MEMIAVL_UPPER=1 $(GO) test -count=1 ./...
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

fuzz:
	FUZZTIME=5m scripts/fuzz.sh

bench: build
	$(BIN) bench
	$(BIN) bench --ceiling
	$(BIN) bench --roll
	$(BIN) bench --ballot-net
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin

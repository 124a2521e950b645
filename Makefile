# Steward's build and test entry points. `make run` starts the hub on the embedded database;
# `make test` runs every test, against SQLite and a throwaway PostgreSQL server it starts.

GO      ?= go
BIN     ?= bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
DATA    ?= ./data
LISTEN  ?= 127.0.0.1:8080

# The agent ships for these platforms; CI builds them all.
AGENT_PLATFORMS := linux/amd64 linux/arm64 windows/amd64 windows/arm64 darwin/arm64

.PHONY: all build cross run test vet fmt clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/steward ./cmd/steward
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/steward-agent ./cmd/steward-agent

# cross builds the agent for every platform it ships on, without cgo.
cross:
	@for p in $(AGENT_PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; ext=; [ $$os = windows ] && ext=.exe; \
	  echo "steward-agent $$os/$$arch"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -ldflags '$(LDFLAGS)' \
	    -o $(BIN)/$$os-$$arch/steward-agent$$ext ./cmd/steward-agent || exit 1; \
	done

# run starts the hub with this machine's own agent enrolled beside it and prints an API token,
# so a first look needs nothing else (see the README's walk-through).
run: build
	@echo "Starting Steward on http://$(LISTEN) with data in $(DATA) and this machine's agent"
	$(BIN)/steward serve --data $(DATA) --listen $(LISTEN) --with-agent $(BIN)/steward-agent

# withpg starts a PostgreSQL cluster of its own (installing the server with apt-get when it is
# missing), runs the command with STEWARD_TEST_POSTGRES_URL set, and removes the cluster.
test: vet cross
	$(GO) run ./core/store/storetest/withpg -- sh -c '\
	  $(GO) test -count=1 -v -run "Migrate|Unique" ./core/store/ | grep -E "^ *(---|ok|FAIL)" && \
	  $(GO) test -count=1 -timeout 20m ./...'

vet:
	@test -z "$$(gofmt -l $$(ls -d cmd core agent sdk plugins examples migrations 2>/dev/null))" || \
	  { echo "gofmt needed on:"; gofmt -l $$(ls -d cmd core agent sdk plugins examples migrations 2>/dev/null); exit 1; }
	$(GO) vet ./...

clean:
	rm -rf $(BIN)

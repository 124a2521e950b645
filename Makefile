# Steward's build and test entry points. `make run` starts the hub on the embedded database;
# `make test` runs every test, against SQLite and a throwaway PostgreSQL server it starts.

GO      ?= go
BIN     ?= bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
DATA    ?= ./data
LISTEN  ?= 127.0.0.1:8080

.PHONY: all build run test vet fmt clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/steward ./cmd/steward

run: build
	@echo "Starting Steward on http://$(LISTEN) with data in $(DATA)"
	@echo "In another shell, make an API token:  $(BIN)/steward token create --data $(DATA) --name admin"
	$(BIN)/steward serve --data $(DATA) --listen $(LISTEN)

# withpg starts a PostgreSQL cluster of its own (installing the server with apt-get when it is
# missing), runs the command with STEWARD_TEST_POSTGRES_URL set, and removes the cluster.
test: vet
	$(GO) run ./core/store/storetest/withpg -- sh -c '\
	  $(GO) test -count=1 -v -run "Migrate|Unique" ./core/store/ | grep -E "^ *(---|ok|FAIL)" && \
	  $(GO) test -count=1 -timeout 20m ./...'

vet:
	@test -z "$$(gofmt -l $$(ls -d cmd core agent sdk plugins examples migrations 2>/dev/null))" || \
	  { echo "gofmt needed on:"; gofmt -l $$(ls -d cmd core agent sdk plugins examples migrations 2>/dev/null); exit 1; }
	$(GO) vet ./...

clean:
	rm -rf $(BIN)

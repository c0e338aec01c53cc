# The README's two commands: `make site` and `make test`.
GO      ?= go
BIN     := bin/coursebuild
# Ryuk (testcontainers' reaper) cannot be pulled without a registry; the
# builder and the tests remove their own containers.
export TESTCONTAINERS_RYUK_DISABLED := true

.PHONY: site quick test deps image check unit build clean fuzz bench bench-render soak update serve matrix

# UNTIL=N limits site, update and serve to chapters 1..N; PORT is the
# preview's port; ARGS passes more flags (ARGS=-fresh, ARGS="-junit junit.xml").
UNTIL ?= 0
PORT  ?= 8080
ARGS  ?=

## site: image if missing → fresh stand → verify every block → verified/record.json → public/
site: build
	./$(BIN) build -fresh -until $(UNTIL) $(ARGS)

## quick: public/ from verified/record.json when nothing that runs changed (no Docker), else as site
quick: build
	./$(BIN) build -until $(UNTIL) $(ARGS)

## update: run the course and rewrite every expected output that differs from the real one (placeholders kept)
update: build
	./$(BIN) update -until $(UNTIL) $(ARGS)

# PGS=15,18 limits matrix to those versions (default: course.yaml's
# versions:); PARALLEL is how many run at a time, each on its own stand:
# two, since a version's run mostly waits on its servers (measured on 2
# cores: 15 and 17 together in 5m34s, one after the other 8m11s).
PGS      ?=
PARALLEL ?= 2
## matrix: run the whole course once per PostgreSQL major version (course.yaml's versions:), each on a fresh stand, and report every block that differs, fails or is skipped; writes verified/matrix.json (the site's PostgreSQL versions page), never the chapters; exit 0 when the main version verifies
matrix: build
	./$(BIN) matrix $(if $(PGS),-pg $(PGS)) -parallel $(PARALLEL) $(ARGS)

## serve: preview on http://127.0.0.1:$(PORT)/, rebuilt and reloaded on every change to content/, stand/, theme/
serve: build
	./$(BIN) serve -port $(PORT) -until $(UNTIL) $(ARGS)

## test: installs what is missing (chromium; the images for PostgreSQL 17 and 15, the matrix test's second version; the image recipe installs debootstrap), then every test: unit, Docker-backed (psql fidelity, end to end), browser, and each fuzz target's seed corpus (no fresh fuzzing: see fuzz)
test: deps build image
	$(MAKE) image PG=15
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 40m ./...

## deps: install the browser the tests drive when it is missing (scripts/deps.sh)
deps:
	./scripts/deps.sh

FUZZTIME ?= 2m
## fuzz: explore each fuzz target (the chapter parser, the output matcher, the record reader) for FUZZTIME; new crashers land in testdata/fuzz, which `make test` then replays
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzChapter$$' -fuzztime $(FUZZTIME) ./builder/load
	$(GO) test -run '^$$' -fuzz '^FuzzMatch$$' -fuzztime $(FUZZTIME) ./builder/check
	$(GO) test -run '^$$' -fuzz '^FuzzUse$$' -fuzztime $(FUZZTIME) ./builder/record

## unit: the tests that need no Docker
unit:
	$(GO) test -short -count=1 ./...

# PG=NN: the PostgreSQL major version `make image` makes sure of.
PG ?= 17
## image: make sure the engine holds the compose file's images: present, pulled, else made by course.yaml's fallback recipe (here: PostgreSQL 17 from Debian's packages); PG=NN (make image PG=18) does the same for postgres:NN, made by the same recipe as replcourse/postgres:NN
image: build
ifeq ($(PG),17)
	./$(BIN) image
else
	@docker image inspect postgres:$(PG) >/dev/null 2>&1 || \
	docker image inspect replcourse/postgres:$(PG) >/dev/null 2>&1 || \
	timeout 20 docker pull -q postgres:$(PG) >/dev/null 2>&1 || \
	{ echo "image: postgres:$(PG) not present and not pulled; making replcourse/postgres:$(PG) with stand/image/build.sh"; \
	  bash stand/image/build.sh replcourse/postgres:$(PG); }
	@for ref in postgres:$(PG) replcourse/postgres:$(PG); do \
		docker image inspect --format "image $$ref ({{.Id}})" $$ref 2>/dev/null | grep . && break; \
	done
endif

## check: parse and check the chapters without running anything
check: build
	./$(BIN) check

## bench: full verified build with its breakdown, per-block costs, SQL path vs psql per block, describe commands per block; recorded under bench/
bench: build image
	$(GO) run ./builder/cmd/coursebench -out bench
	$(GO) test -run '^$$' -bench . -benchmem ./builder/render/
	$(GO) test -run '^$$' -bench Block -benchtime 30x ./builder/psql/

## bench-render: render-only throughput on 1,000 synthetic chapters: first build and rebuild (ms/page, peak memory)
bench-render:
	$(GO) test -run '^$$' -bench '^Benchmark(Render|Rerender)1000$$' -benchtime 3x ./builder/render/

N ?= 10
## soak: N full verified builds from fresh stands (make soak N=10): pass count and spread of wall times
soak: build image
	$(GO) run ./builder/cmd/coursebench -soak $(N)

build:
	$(GO) build -o $(BIN) ./builder/cmd/coursebuild

clean:
	rm -rf bin public

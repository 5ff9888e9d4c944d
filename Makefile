# trailhunt: `make test` is what CI runs (.ci/run) and what a newcomer runs.
GO       ?= go
OPA      := $(GO) tool opa
REGO     := policies/ policies_test.rego
COVERAGE := 95

.PHONY: test go-tidy go-fmt go-vet go-test s3-server rego-fmt rego-check rego-test bench fuzz

test: go-tidy go-fmt go-vet rego-fmt rego-check rego-test go-test

# go.mod and go.sum as go mod tidy leaves them (a dependency used directly
# is listed as direct).
go-tidy:
	$(GO) mod tidy -diff

go-fmt:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt -l lists:"; echo "$$out"; exit 1; fi

go-vet:
	$(GO) vet ./...

go-test: s3-server
	$(GO) test -race -count=1 ./...

# The S3 server the S3 tests run against (versitygw, pinned in
# tools/versitygw/go.mod), built once per version into .cache/versitygw/ by
# the test helper itself, here alone and first, so that its cold build (about
# 2 minutes) is not charged to one package's test time; then instant.
s3-server:
	$(GO) test -count=1 -run '^TestVersitygw$$' ./internal/s3test

rego-fmt:
	$(OPA) fmt --fail -l $(REGO)

rego-check:
	$(OPA) check --strict $(REGO)

# opa test runs twice: once for the readable PASS/FAIL lines, once for the
# coverage report, which covergate checks per policy file (opa's own
# --threshold judges the total, which the fully covered tests inflate).
rego-test:
	$(OPA) test $(REGO) fixtures/
	@mkdir -p .cache
	$(OPA) test $(REGO) fixtures/ --coverage > .cache/rego-coverage.json
	$(GO) run ./internal/covergate -min $(COVERAGE) < .cache/rego-coverage.json

# The throughput benchmark (bench/README.md); not part of `make test`. Sizes and
# the rest come from the environment, e.g.
#   make bench BENCH_RECORDS="100000 1000000" BENCH_REPEAT=3 BENCH_5M=1
BENCH_RECORDS ?= 1000000
bench:
	BENCH_RECORDS="$(BENCH_RECORDS)" ./bench/run.sh

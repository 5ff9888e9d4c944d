# trailhunt: `make test` is what CI runs (.ci/run) and what a newcomer runs.
GO       ?= go
OPA      := $(GO) tool opa
REGO     := policies/ policies_test.rego
COVERAGE := 95

.PHONY: test go-fmt go-vet go-test rego-fmt rego-check rego-test bench fuzz

test: go-fmt go-vet rego-fmt rego-check rego-test go-test

go-fmt:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt -l lists:"; echo "$$out"; exit 1; fi

go-vet:
	$(GO) vet ./...

go-test:
	$(GO) test -race -count=1 ./...

rego-fmt:
	$(OPA) fmt --fail -l $(REGO)

rego-check:
	$(OPA) check --strict $(REGO)

# opa test runs twice: once for the readable PASS/FAIL lines, once for the
# coverage gate (its JSON report goes to a file; the gate fails the target).
rego-test:
	$(OPA) test $(REGO) fixtures/
	@mkdir -p .cache
	@$(OPA) test $(REGO) fixtures/ --coverage --threshold $(COVERAGE) > .cache/rego-coverage.json || \
		{ echo "Rego coverage below $(COVERAGE)% (report: .cache/rego-coverage.json)"; exit 1; }
	@echo "Rego coverage: $$(grep -o '"coverage": *[0-9.]*' .cache/rego-coverage.json | tail -n 1 | grep -o '[0-9.]*$$')% (gate $(COVERAGE)%)"

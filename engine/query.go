package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/metrics"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// query is a detection's compiled query, finding = data.detections.<id>.finding,
// evaluated with OPA's evaluator (topdown) as rego.PreparedEvalQuery.Eval
// does it, with the options the host always uses (strict builtin errors,
// rule indexing, early exit, the run's time), without what the rego
// package builds around every evaluation and the host never reads: an
// evaluation context from option closures, metrics, and a result set of
// bindings and expressions.
type query struct {
	body     ast.Body
	qc       ast.QueryCompiler
	compiler *ast.Compiler
	store    storage.Store // empty: policies read rules, and undefined for anything else
}

// findingVar is the query's variable that holds the finding.
var findingVar = ast.Var("finding")

func prepareQuery(c *ast.Compiler, store storage.Store, id string) (query, error) {
	ref := ast.Ref{ast.DefaultRootDocument, ast.StringTerm("detections"), ast.StringTerm(id), ast.StringTerm("finding")}
	qc := c.QueryCompiler()
	body, err := qc.Compile(ast.NewBody(ast.Equality.Expr(ast.NewTerm(findingVar), ast.NewTerm(ref))))
	if err != nil {
		return query{}, fmt.Errorf("compile query %v: %w", ref, err)
	}
	return query{body: body, qc: qc, compiler: c, store: store}, nil
}

// eval evaluates the query on input: the finding, or nil when it is
// undefined. cancel stops it (see evalCancel).
func (q query) eval(ctx context.Context, input ast.Value, now time.Time, cancel topdown.Cancel) (*ast.Term, error) {
	txn, err := q.store.NewTransaction(ctx)
	if err != nil {
		return nil, fmt.Errorf("open store transaction: %w", err)
	}
	defer q.store.Abort(ctx, txn)
	cache := newRuleCache()
	defer cache.release()
	var finding *ast.Term
	err = topdown.NewQuery(q.body).
		WithQueryCompiler(q.qc).
		WithCompiler(q.compiler).
		WithStore(q.store).
		WithTransaction(txn).
		WithInput(ast.NewTerm(input)).
		WithTime(now).
		WithCancel(cancel).
		WithStrictBuiltinErrors(true).
		WithMetrics(metrics.NoOp()).
		WithVirtualCache(cache).
		Iter(ctx, func(qr topdown.QueryResult) error {
			if finding == nil {
				finding = qr[findingVar]
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return finding, nil
}

package aggregate

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// A where condition, Splunk's `| where` after `stats`, over numeric stat
// names and integers:
//
//	cond    = or
//	or      = and { "OR" and }
//	and     = not { "AND" not }
//	not     = "NOT" not | primary
//	primary = "(" or ")" | operand op operand
//	operand = name | integer
//	op      = ">" | ">=" | "<" | "<=" | "=" | "==" | "!="
//
// AND, OR and NOT are case-insensitive. Every name must be a numeric stat
// (count, count(f), dc(f)) of the detection: anything else is a load error,
// so a typo never turns a threshold off.
type cond interface {
	eval(get func(name string) int64) bool
}

type (
	orCond  []cond
	andCond []cond
	notCond struct{ c cond }
	cmpCond struct {
		op   string
		l, r operand
	}
	operand struct {
		name string // "" for a literal
		n    int64
	}
)

func (c orCond) eval(get func(string) int64) bool {
	for _, x := range c {
		if x.eval(get) {
			return true
		}
	}
	return false
}

func (c andCond) eval(get func(string) int64) bool {
	for _, x := range c {
		if !x.eval(get) {
			return false
		}
	}
	return true
}

func (c notCond) eval(get func(string) int64) bool { return !c.c.eval(get) }

func (o operand) value(get func(string) int64) int64 {
	if o.name != "" {
		return get(o.name)
	}
	return o.n
}

func (c cmpCond) eval(get func(string) int64) bool {
	l, r := c.l.value(get), c.r.value(get)
	switch c.op {
	case ">":
		return l > r
	case ">=":
		return l >= r
	case "<":
		return l < r
	case "<=":
		return l <= r
	case "=", "==":
		return l == r
	default: // "!="
		return l != r
	}
}

type whereParser struct {
	src     string
	toks    []string
	i       int
	numeric map[string]bool // stat name -> numeric
}

func parseWhere(src string, numeric map[string]bool) (cond, error) {
	toks, err := lexWhere(src)
	if err != nil {
		return nil, err
	}
	p := &whereParser{src: src, toks: toks, numeric: numeric}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, p.fail("unexpected %q", p.toks[p.i])
	}
	return c, nil
}

func (p *whereParser) fail(format string, args ...any) error {
	return fmt.Errorf("%w: where %q: %s", ErrStats, p.src, fmt.Sprintf(format, args...))
}

func (p *whereParser) peekWord(w string) bool {
	return p.i < len(p.toks) && strings.EqualFold(p.toks[p.i], w)
}

func (p *whereParser) or() (cond, error) {
	var out orCond
	for {
		c, err := p.and()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		if !p.peekWord("OR") {
			break
		}
		p.i++
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

func (p *whereParser) and() (cond, error) {
	var out andCond
	for {
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		if !p.peekWord("AND") {
			break
		}
		p.i++
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

func (p *whereParser) not() (cond, error) {
	if p.peekWord("NOT") {
		p.i++
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		return notCond{c}, nil
	}
	if p.i < len(p.toks) && p.toks[p.i] == "(" {
		p.i++
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.i >= len(p.toks) || p.toks[p.i] != ")" {
			return nil, p.fail("missing )")
		}
		p.i++
		return c, nil
	}
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	if p.i >= len(p.toks) || !isOp(p.toks[p.i]) {
		return nil, p.fail("want a comparison (> >= < <= = != ) after %q", p.toks[p.i-1])
	}
	op := p.toks[p.i]
	p.i++
	r, err := p.operand()
	if err != nil {
		return nil, err
	}
	return cmpCond{op: op, l: l, r: r}, nil
}

func (p *whereParser) operand() (operand, error) {
	if p.i >= len(p.toks) {
		return operand{}, p.fail("ends early: want a stat name or an integer")
	}
	t := p.toks[p.i]
	p.i++
	if isOp(t) || t == "(" || t == ")" {
		return operand{}, p.fail("want a stat name or an integer, got %q", t)
	}
	if n, err := strconv.ParseInt(t, 10, 64); err == nil {
		return operand{n: n}, nil
	}
	numeric, ok := p.numeric[t]
	switch {
	case !ok:
		return operand{}, p.fail("%q is not a stat of this detection", t)
	case !numeric:
		return operand{}, p.fail("%q is not a number: only count, count(f) and dc(f) can be compared", t)
	}
	return operand{name: t}, nil
}

func isOp(t string) bool {
	switch t {
	case ">", ">=", "<", "<=", "=", "==", "!=":
		return true
	}
	return false
}

// lexWhere splits a condition into names, integers, operators and
// parentheses.
func lexWhere(src string) ([]string, error) {
	var toks []string
	rs := []rune(src)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(' || r == ')':
			toks = append(toks, string(r))
			i++
		case strings.ContainsRune("<>=!", r):
			j := i + 1
			if j < len(rs) && rs[j] == '=' {
				j++
			}
			op := string(rs[i:j])
			if !isOp(op) {
				return nil, fmt.Errorf("%w: where %q: unknown operator %q", ErrStats, src, op)
			}
			toks = append(toks, op)
			i = j
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i + 1
			for j < len(rs) && (rs[j] == '_' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			toks = append(toks, string(rs[i:j]))
			i = j
		default:
			return nil, fmt.Errorf("%w: where %q: unexpected %q", ErrStats, src, r)
		}
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("%w: where is empty", ErrStats)
	}
	return toks, nil
}

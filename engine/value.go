package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
)

// errValue is returned for JSON that valueOf cannot read: never for a
// record the loader yielded, which is checked.
var errValue = errors.New("invalid JSON")

// valueOf turns raw, one JSON value, into policy input: the ast.Value that
// decoding it with encoding/json (UseNumber) and ast.InterfaceToValue would
// give, without the map[string]any in between (FuzzValueOf compares the
// two). Duplicate keys keep their last value, as with encoding/json.
func valueOf(raw []byte) (ast.Value, error) {
	p := valueParser{b: raw}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	if p.space(); p.i != len(p.b) {
		return nil, errValue
	}
	return v, nil
}

// valueParser reads JSON from b at i, recursively.
type valueParser struct {
	b []byte
	i int
}

func (p *valueParser) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\r' || p.b[p.i] == '\n') {
		p.i++
	}
}

func (p *valueParser) value() (ast.Value, error) {
	p.space()
	if p.i >= len(p.b) {
		return nil, errValue
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.string()
		return ast.String(s), err
	case c == 't':
		return p.literal("true", ast.Boolean(true))
	case c == 'f':
		return p.literal("false", ast.Boolean(false))
	case c == 'n':
		return p.literal("null", ast.NullValue)
	default: // a number
		start := p.i
		for p.i < len(p.b) && strings.IndexByte("+-0123456789.eE", p.b[p.i]) >= 0 {
			p.i++
		}
		if start == p.i {
			return nil, errValue
		}
		return ast.InterfaceToValue(json.Number(p.b[start:p.i]))
	}
}

func (p *valueParser) literal(text string, v ast.Value) (ast.Value, error) {
	if !bytes.HasPrefix(p.b[p.i:], []byte(text)) {
		return nil, errValue
	}
	p.i += len(text)
	return v, nil
}

func (p *valueParser) object() (ast.Value, error) {
	p.i++ // '{'
	// CloudTrail's objects are small: their members are gathered on the stack.
	var buf [16][2]*ast.Term
	items := buf[:0]
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return ast.NewObject(), nil
	}
	for {
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, errValue
		}
		k, err := p.string()
		if err != nil {
			return nil, err
		}
		if p.space(); p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, errValue
		}
		p.i++
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		items = append(items, [2]*ast.Term{ast.StringTerm(k), ast.NewTerm(v)})
		if done, err := p.next('}'); done || err != nil {
			// Insert, unlike NewObject, keeps one value per key: the last.
			obj := ast.NewObjectWithCapacity(len(items))
			for _, kv := range items {
				obj.Insert(kv[0], kv[1])
			}
			return obj, err
		}
	}
}

func (p *valueParser) array() (ast.Value, error) {
	p.i++ // '['
	var elems []*ast.Term
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return ast.NewArray(), nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		elems = append(elems, ast.NewTerm(v))
		if done, err := p.next(']'); done || err != nil {
			return ast.NewArray(elems...), err
		}
	}
}

// next reads the ',' before another element or member, or the closing
// byte, reporting done.
func (p *valueParser) next(closing byte) (done bool, err error) {
	p.space()
	switch {
	case p.i >= len(p.b):
		return false, errValue
	case p.b[p.i] == ',':
		p.i++
		return false, nil
	case p.b[p.i] == closing:
		p.i++
		return true, nil
	}
	return false, errValue
}

// string reads the string at i, unescaped as encoding/json unescapes it
// (invalid UTF-8 becomes U+FFFD).
func (p *valueParser) string() (string, error) {
	start, escaped, ascii := p.i, false, true
	for p.i++; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			p.i++
			raw := p.b[start:p.i]
			if !escaped && (ascii || utf8.Valid(raw)) {
				return string(raw[1 : len(raw)-1]), nil
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", errValue
			}
			return s, nil
		case c == '\\':
			escaped = true
			p.i++ // the escaped byte
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", errValue
}

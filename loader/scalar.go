package loader

import (
	"fmt"
	"io"
)

// scalar reads a number or a literal, or fails on a byte that cannot start
// a value, as encoding/json's scanner does: the value ends at the first
// byte that cannot continue it.
func (l *lexer) scalar(w []byte, limit int64) ([]byte, error) {
	sp := span{l: l, data: w}
	st := scanBegin
	i := 0
	for {
		for ; i < len(sp.data) && int64(i) <= limit; i++ {
			switch st = st.step(sp.data[i]); st {
			case scanEnd:
				return sp.take(i), nil
			case scanBad:
				return nil, syntaxError(sp.data[:i+1])
			}
		}
		if int64(i) > limit { // a number over the cap: skip the rest of it
			sp.take(i)
			return nil, l.skipScalar(st)
		}
		if err := sp.grow(limit); err != nil {
			if err == io.EOF && st.complete() {
				return sp.take(i), nil
			}
			return nil, cutShort(nil, err)
		}
	}
}

// skipScalar consumes the rest of a number over the cap, st being the
// scanner's state, and returns ErrRecordTooLarge (sticky when the input
// ends or fails in the middle of it).
func (l *lexer) skipScalar(st scanState) error {
	for {
		w, err := l.window()
		if err != nil {
			if err == io.EOF && st.complete() {
				break
			}
			return l.cutWhileSkipping(err)
		}
		i := 0
		for ; i < len(w) && st != scanEnd && st != scanBad; i++ {
			st = st.step(w[i])
		}
		if st == scanEnd || st == scanBad { // the byte that ended it is not the number's
			l.br.Discard(i - 1)
			break
		}
		l.br.Discard(i)
	}
	return fmt.Errorf("%w: over %d bytes", ErrRecordTooLarge, l.max)
}

// scanState is the state of the scanner of a number or a literal; it
// follows encoding/json's.
type scanState uint8

const (
	scanBegin scanState = iota
	scanNeg             // -
	scanZero            // 0, -0
	scanInt             // 1, -12
	scanDot             // 1.
	scanFrac            // 1.5
	scanE               // 1e
	scanESign           // 1e+
	scanExp             // 1e5
	scanT
	scanTr
	scanTru
	scanF
	scanFa
	scanFal
	scanFals
	scanN
	scanNu
	scanNul
	scanLit // true, false, null
	scanEnd // the byte ends the value before it
	scanBad // the byte is a syntax error
)

// complete reports whether the value read so far is complete at the end of
// the input.
func (s scanState) complete() bool {
	switch s {
	case scanZero, scanInt, scanFrac, scanExp, scanLit:
		return true
	}
	return false
}

// literalNext maps each state inside a literal to the byte it needs next.
var literalNext = [...]byte{
	scanT: 'r', scanTr: 'u', scanTru: 'e',
	scanF: 'a', scanFa: 'l', scanFal: 's', scanFals: 'e',
	scanN: 'u', scanNu: 'l', scanNul: 'l',
}

func (s scanState) step(c byte) scanState {
	digit := '0' <= c && c <= '9'
	switch s {
	case scanBegin:
		switch {
		case c == '-':
			return scanNeg
		case c == '0':
			return scanZero
		case digit:
			return scanInt
		case c == 't':
			return scanT
		case c == 'f':
			return scanF
		case c == 'n':
			return scanN
		}
	case scanNeg:
		switch {
		case c == '0':
			return scanZero
		case digit:
			return scanInt
		}
	case scanInt, scanZero:
		switch {
		case digit && s == scanInt:
			return scanInt
		case c == '.':
			return scanDot
		case c == 'e' || c == 'E':
			return scanE
		}
		return scanEnd
	case scanDot, scanFrac:
		switch {
		case digit:
			return scanFrac
		case s == scanFrac && (c == 'e' || c == 'E'):
			return scanE
		case s == scanFrac:
			return scanEnd
		}
	case scanE:
		switch {
		case c == '+' || c == '-':
			return scanESign
		case digit:
			return scanExp
		}
	case scanESign, scanExp:
		switch {
		case digit:
			return scanExp
		case s == scanExp:
			return scanEnd
		}
	case scanLit:
		return scanEnd
	default: // inside a literal
		if c == literalNext[s] {
			if s == scanTru || s == scanFals || s == scanNul {
				return scanLit
			}
			return s + 1
		}
	}
	return scanBad
}

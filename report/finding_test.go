package report

import "testing"

func TestPrintableLines(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"one plain line", "parse policy: x.rego:3: unexpected eof", "parse policy: x.rego:3: unexpected eof"},
		{"line breaks and indentation are kept", "2 errors occurred:\nx.rego:3: bad\n\tfoo := {\n\t       ^", "2 errors occurred:\nx.rego:3: bad\n\tfoo := {\n\t       ^"},
		{"control bytes in a quoted line are escaped", "x.rego:3: bad\n\tfoo := {\r\x1b[2Kall clear", "x.rego:3: bad\n\tfoo := {\\r\\x1b[2Kall clear"},
		{"a tab inside a line is escaped", "a\tb\n  c\td", `a\tb` + "\n  " + `c\td`},
		{"invalid UTF-8", "\xff\n\xfe", `\xff` + "\n" + `\xfe`},
		{"empty lines stay empty", "a\n\nb\n", "a\n\nb\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PrintableLines(tt.in); got != tt.want {
				t.Errorf("PrintableLines(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

package integrity

import (
	"bytes"
	"strings"
	"testing"
)

// TestWriteTableEscapes: an object key can hold any byte; none reaches the
// terminal raw, and no name can forge a line.
func TestWriteTableEscapes(t *testing.T) {
	rep := &Report{Files: []File{{Name: "AWSLogs/111122223333/CloudTrail/us-east-1/evil\x1b[2J\nintegrity: verified\xff.json.gz",
		Kind: KindLog, Account: "111122223333", Region: "us-east-1", Status: Unlisted, Reason: "listed in no digest"}}}
	rep.finish()
	var b bytes.Buffer
	if err := WriteTable(&b, rep); err != nil {
		t.Fatal(err)
	}
	want := `unlisted      log     AWSLogs/111122223333/CloudTrail/us-east-1/evil\x1b[2J\nintegrity: verified\xff.json.gz: listed in no digest`
	if !strings.Contains(b.String(), want+"\n") || strings.ContainsAny(b.String(), "\x1b\xff") || strings.Count(b.String(), "\n") != 6 {
		t.Errorf("got:\n%s\nwant a line:\n%s", b.String(), want)
	}
}

// Command floor is the benchmark's physical floor: it reads CloudTrail log
// files (gzip'd or plain {"Records":[...]} objects) with the gzip trailhunt
// uses (github.com/klauspost/compress), and splits them into records without decoding them: a byte
// scan that tracks strings and nesting, copying each record into a buffer as
// a reader would hand it on. No JSON is decoded, nothing is evaluated. Files
// are shared among -workers goroutines, as trailhunt's sweep shares them.
//
//	floor -workers 2 DIR...
//
// It prints {"files":..,"records":..,"bytes":..,"decompressed":..} on stdout.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/trailhunt/trailhunt/bench/archive"
)

// Counts is what a run read.
type Counts struct {
	Files        int64 `json:"files"`
	Records      int64 `json:"records"`
	Bytes        int64 `json:"bytes"`
	Decompressed int64 `json:"decompressed"`
	MaxRecord    int64 `json:"max_record"`
}

func main() {
	workers := flag.Int("workers", 0, "parallel workers (default: one per CPU)")
	flag.Parse()
	if *workers <= 0 {
		*workers = runtime.GOMAXPROCS(0)
	}
	c, err := run(flag.Args(), *workers)
	if err != nil {
		fmt.Fprintf(os.Stderr, "floor: %v\n", err)
		os.Exit(1)
	}
	b, _ := json.Marshal(c)
	fmt.Println(string(b))
}

func run(roots []string, workers int) (Counts, error) {
	paths, walkErr := archive.Files(roots)
	var total Counts
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			s := &splitter{}
			var c Counts
			for p := range paths {
				if err := s.file(p, &c); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("%s: %w", p, err))
					mu.Unlock()
				}
			}
			mu.Lock()
			total.Files += c.Files
			total.Records += c.Records
			total.Bytes += c.Bytes
			total.Decompressed += c.Decompressed
			total.MaxRecord = max(total.MaxRecord, c.MaxRecord)
			mu.Unlock()
		})
	}
	wg.Wait()
	return total, errors.Join(append(errs, walkErr())...)
}

// splitter holds one worker's reusable buffers.
type splitter struct {
	br     *bufio.Reader
	zr     *gzip.Reader
	chunk  []byte
	record []byte
}

// file reads one file and counts its records.
func (s *splitter) file(path string, c *Counts) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil {
		c.Bytes += st.Size()
	}
	c.Files++
	if s.br == nil {
		s.br = bufio.NewReaderSize(f, 1<<16)
		s.chunk = make([]byte, 1<<16)
	} else {
		s.br.Reset(f)
	}
	var src io.Reader = s.br
	if head, err := s.br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		if s.zr == nil {
			s.zr, err = gzip.NewReader(s.br)
		} else {
			err = s.zr.Reset(s.br)
		}
		if err != nil {
			return err
		}
		src = s.zr
	}
	return s.split(src, c)
}

// split finds the objects at depth 2 (the elements of the Records array)
// and copies each into s.record.
func (s *splitter) split(r io.Reader, c *Counts) error {
	depth := 0
	inString, escaped := false, false
	for {
		n, err := r.Read(s.chunk)
		buf := s.chunk[:n]
		c.Decompressed += int64(n)
		start := -1 // where the current record starts in buf, if it does
		if depth >= 2 && len(s.record) > 0 {
			start = 0
		}
		for i := 0; i < len(buf); i++ {
			if inString {
				i, inString, escaped = skipString(buf, i, escaped)
				continue
			}
			switch ch := buf[i]; ch {
			case '"':
				inString = true
			case '{', '[':
				if depth == 2 && ch == '{' {
					start = i
					s.record = s.record[:0]
				}
				depth++
			case '}', ']':
				depth--
				if depth == 2 && ch == '}' && start >= 0 {
					s.record = append(s.record, buf[start:i+1]...)
					c.Records++
					c.MaxRecord = max(c.MaxRecord, int64(len(s.record)))
					s.record = s.record[:0]
					start = -1
				}
			}
		}
		if start >= 0 {
			s.record = append(s.record, buf[start:]...)
		}
		if err == io.EOF {
			if depth != 0 || inString {
				return errors.New("truncated JSON")
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// skipString skips string contents from buf[i] on, escaped telling whether
// buf[i] is escaped. It returns the index of the closing quote and false, or,
// when buf ends first, len(buf)-1, true and whether the next chunk's first
// byte is escaped. Like trailhunt's splitter, it jumps from quote to quote
// with bytes.IndexByte and counts the backslashes before each.
func skipString(buf []byte, i int, escaped bool) (int, bool, bool) {
	if escaped {
		i++
	}
	for {
		j := bytes.IndexByte(buf[i:], '"')
		if j < 0 {
			run := 0 // an odd run of backslashes at the end escapes what follows
			for k := len(buf) - 1; k >= i && buf[k] == '\\'; k-- {
				run++
			}
			return len(buf) - 1, true, run%2 == 1
		}
		q := i + j
		run := 0
		for k := q - 1; k >= i && buf[k] == '\\'; k-- {
			run++
		}
		if run%2 == 0 {
			return q, false, false
		}
		i = q + 1
	}
}

package report

import (
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name string
		p    Progress
		want string
	}{
		{"nothing read yet", Progress{}, "files 0  0 B"},
		{"unknown total: no ETA", Progress{Files: 3, Bytes: 3 << 20, Records: 50000, Elapsed: 2 * time.Second},
			"files 3  3.0 MiB  50000 records  25000 rec/s"},
		{"known total: ETA from the byte rate", Progress{Files: 1, TotalFiles: 4, Bytes: 1 << 20, TotalBytes: 4 << 20, Records: 1000, Elapsed: time.Second},
			"files 1/4  1.0 MiB/4.0 MiB  1000 records  1000 rec/s  ETA 3s"},
		{"done: no ETA", Progress{Files: 4, TotalFiles: 4, Bytes: 4 << 20, TotalBytes: 4 << 20, Records: 10, Elapsed: time.Second},
			"files 4/4  4.0 MiB/4.0 MiB  10 records  10 rec/s"},
		{"S3 only: objects", Progress{Files: 12, TotalFiles: 40, Objects: 10, TotalObjects: 40, Bytes: 1 << 20, TotalBytes: 4 << 20, Records: 1000, Elapsed: time.Second},
			"objects 10/40  1.0 MiB/4.0 MiB  1000 records  1000 rec/s  ETA 3s"},
		{"files and objects", Progress{Files: 3, TotalFiles: 5, Objects: 1, TotalObjects: 2, Bytes: 1 << 20, TotalBytes: 2 << 20, Records: 10, Elapsed: time.Second},
			"files 2/3  objects 1/2  1.0 MiB/2.0 MiB  10 records  10 rec/s  ETA 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Line(); got != tt.want {
				t.Errorf("Line() = %q, want %q", got, tt.want)
			}
		})
	}
}

package trail

import "time"

// Row is one aggregated result row: the seed's stats by the detection's By fields.
type Row struct {
	Detection string    // detection id
	Values    []*string // by-values aligned with the detection's By; nil is null
	Count     int64
	First     time.Time // earliest event time in the group; zero when no record had a time
	Last      time.Time // latest
}

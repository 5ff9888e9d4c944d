package trail

import "time"

// Row is one aggregated result row: the seed's stats by the detection's By fields.
type Row struct {
	Detection string    // detection id
	Values    []*string // by-values aligned with the detection's By; nil is null
	Count     int64
	First     time.Time // earliest event time in the group; zero when no record had a time
	Last      time.Time // latest
	// Stats are the detection's stats functions' results, aligned with its
	// Stats.
	Stats []StatValue
	// Sources are where the first of the group's records came from (at
	// most a few, in source order); Count says how many there are in all.
	Sources []Source
}

// StatValue is the result of one stats function for one row: N for count,
// count(field) and dc(field); Values (sorted, distinct) for values(field);
// Time for min(_time) and max(_time), zero when no record had a time.
type StatValue struct {
	N      int64
	Values []string
	Time   time.Time
}

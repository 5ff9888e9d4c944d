package kubernetes

// This package keeps no golden files; the import registers -update so that
// "go test ./... -update" runs in every package.
import _ "github.com/trailhunt/trailhunt/internal/goldenfile"

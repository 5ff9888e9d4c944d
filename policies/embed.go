// Package policies holds trailhunt's default detections, one folder per
// detection (<id>/<id>.rego, its _test.rego and its filters.yaml), and embeds
// them so that the evaluator works from any directory. The engine never loads
// files ending in _test.rego.
package policies

import "embed"

// FS holds every detection folder: its Rego files and its filter list.
//
//go:embed */*.rego */filters.yaml
var FS embed.FS

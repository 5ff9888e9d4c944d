package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/trailhunt/trailhunt/aggregate"
	"github.com/trailhunt/trailhunt/policies"
	"github.com/trailhunt/trailhunt/trail"
)

// Config says which detections to load and how.
type Config struct {
	// PolicyDir is a directory with one folder per detection; empty means
	// the defaults embedded in the binary.
	PolicyDir string
	// AddPolicyDirs are directories of more detection folders, loaded beside
	// those of PolicyDir (or the embedded set): a team's own detections run
	// with the shipped pack without copying it. A folder name (detection id)
	// may appear once across all of them.
	AddPolicyDirs []string
	// FilterPaths are filter-list files, or directories of *.yaml/*.yml
	// files. Each file names its detection; its entries apply beside those
	// of the detection's own filters.yaml and of every other list.
	FilterPaths []string
	// Detections selects detections by id or glob (`*` matches any run of
	// characters); empty means all.
	Detections []string
	// Now is the time filter expiry is judged against; zero means the time
	// Load is called.
	Now time.Time
	// EvalTimeout bounds the evaluation of one record by one detection; a
	// record that runs past it fails with ErrTimeout and the run goes on.
	// Zero means no deadline.
	EvalTimeout time.Duration
	// NoPrefilter gives every record to OPA, even those a detection's
	// derived prefilter rules out (slower; for checking the prefilter).
	NoPrefilter bool
}

// ErrUnknownDetection is returned by Load when Config.Detections names a
// detection that the policy set does not have.
var ErrUnknownDetection = errors.New("unknown detection")

// Set is a compiled, validated, immutable set of detections.
type Set struct {
	version    string
	now        time.Time
	timeout    time.Duration
	detections []*detection // sorted by id
	route      router
	specs      aggregate.Specs
}

type detection struct {
	meta  trail.Detection
	pre   prefilter
	query query
	extra []string // meta.Extra(): finding keys beyond By
	// byTerms and extraTerms are meta.By and extra as terms (keyTerms).
	byTerms, extraTerms []*ast.Term
	input               projection    // what of a record it sees
	span                time.Duration // meta.Span: the host fills the by-field _time
	filters             []filterEntry // every entry, expired ones included, in file order
	suppress            *suppressor   // the active entries
}

// source is one file of the policy set, named as a person would find it.
type source struct {
	name    string // path shown in errors, e.g. policies/x/x.rego
	key     string // name in the version hash: independent of where the tree lives
	dir     string // the detection folder it lives in ("." at the root)
	content []byte
}

// Load reads, validates and compiles a policy set.
func Load(ctx context.Context, cfg Config) (*Set, error) {
	fsys, prefix := fs.FS(policies.FS), "policies"
	if cfg.PolicyDir != "" {
		fsys, prefix = os.DirFS(cfg.PolicyDir), cfg.PolicyDir
	}
	regoFiles, filterFiles, err := readPolicyFS(fsys, prefix)
	if err != nil {
		return nil, err
	}
	ids := detectionDirs(regoFiles, prefix)
	for i, dir := range cfg.AddPolicyDirs {
		r, f, err := readPolicyFS(os.DirFS(dir), dir)
		if err != nil {
			return nil, err
		}
		for id, where := range detectionDirs(r, dir) {
			if first, dup := ids[id]; dup {
				return nil, fmt.Errorf("%w: detection folder %s is in both %s and %s: ids are unique across --policies and --add-policies", ErrContract, id, first, where)
			}
			ids[id] = where
		}
		for _, group := range [][]source{r, f} {
			for j := range group {
				group[j].key = fmt.Sprintf("add%d/%s", i, group[j].key) // distinct in the version hash
			}
		}
		regoFiles, filterFiles = append(regoFiles, r...), append(filterFiles, f...)
	}
	overrides, err := readFilterPaths(cfg.FilterPaths)
	if err != nil {
		return nil, err
	}
	now := cfg.Now
	if now.IsZero() {
		now = time.Now()
	}
	return compile(ctx, cfg, regoFiles, filterFiles, overrides, now.UTC())
}

// detectionDirs maps the top-level folders of a policy tree to where they
// are, for telling a folder given twice.
func detectionDirs(files []source, prefix string) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		if top, _, ok := strings.Cut(f.key, "/"); ok {
			out[top] = filepath.Join(prefix, top)
		}
	}
	return out
}

// readPolicyFS returns the non-test Rego files and the filters.yaml files of
// a policy tree, in lexical order.
func readPolicyFS(fsys fs.FS, prefix string) (regoFiles, filterFiles []source, err error) {
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read policies %s: %w", filepath.Join(prefix, p), err)
		}
		if d.IsDir() {
			return nil
		}
		base := path.Base(p)
		isRego := strings.HasSuffix(base, ".rego") && !strings.HasSuffix(base, "_test.rego")
		if !isRego && base != "filters.yaml" {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("read policies %s: %w", filepath.Join(prefix, p), err)
		}
		src := source{name: filepath.Join(prefix, p), key: p, dir: path.Dir(p), content: b}
		if isRego {
			regoFiles = append(regoFiles, src)
		} else {
			filterFiles = append(filterFiles, src)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if len(regoFiles) == 0 {
		return nil, nil, fmt.Errorf("read policies %s: no .rego files", prefix)
	}
	return regoFiles, filterFiles, nil
}

// readFilterPaths reads filter-list files named on the command line; a
// directory contributes its *.yaml and *.yml files (not recursively).
func readFilterPaths(paths []string) ([]source, error) {
	var out []source
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("read filters: %w", err)
		}
		files := []string{p}
		if info.IsDir() {
			files = nil
			entries, err := os.ReadDir(p)
			if err != nil {
				return nil, fmt.Errorf("read filters: %w", err)
			}
			for _, e := range entries {
				if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
					files = append(files, filepath.Join(p, e.Name()))
				}
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("read filters %s: no .yaml or .yml files", p)
			}
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("read filters: %w", err)
			}
			out = append(out, source{name: f, key: "filters/" + filepath.Base(f), content: b})
		}
	}
	return out, nil
}

func compile(ctx context.Context, cfg Config, regoFiles, filterFiles, overrides []source, now time.Time) (*Set, error) {
	modules := make(map[string]*ast.Module, len(regoFiles))
	for _, src := range regoFiles {
		m, err := ast.ParseModuleWithOpts(src.name, string(src.content), ast.ParserOptions{
			ProcessAnnotation: true,
			RegoVersion:       ast.RegoV1,
		})
		if err != nil {
			return nil, fmt.Errorf("parse policy: %w", err)
		}
		modules[src.name] = m
	}

	compiler := ast.NewCompiler().
		WithStrict(true).
		WithCapabilities(sandboxCapabilities()).
		WithEnablePrintStatements(false).
		WithDefaultRegoVersion(ast.RegoV1)
	if compiler.Compile(modules); compiler.Failed() {
		return nil, fmt.Errorf("compile policies: %w", compiler.Errors)
	}

	dets, err := detectionsOf(compiler, regoFiles, modules)
	if err != nil {
		return nil, err
	}
	all := dets
	if dets, err = selectDetections(dets, cfg.Detections); err != nil {
		return nil, err
	}

	lists, err := filterLists(all, dets, filterFiles, overrides)
	if err != nil {
		return nil, err
	}
	specs := aggregate.Specs{}
	store := inmem.New()
	for _, d := range dets {
		d.filters = lists[d.meta.ID]
		d.suppress = newSuppressor(slices.DeleteFunc(slices.Clone(d.filters), func(e filterEntry) bool { return e.expired(now) }), d.meta.By, d.meta.IPFields)
		if specs[d.meta.ID], err = aggregate.NewSpec(d.meta); err != nil {
			return nil, fmt.Errorf("%s: %w: detection %s: %w", d.meta.File, ErrContract, d.meta.ID, err) // checked with the METADATA already
		}
		q, err := prepareQuery(compiler, store, d.meta.ID)
		if err != nil {
			return nil, fmt.Errorf("prepare detection %s (%s): %w", d.meta.ID, d.meta.File, err)
		}
		d.query = q
		d.input = projectionOf(compiler, d.meta.ID)
		if !cfg.NoPrefilter {
			d.pre = derivePrefilter(ctx, compiler, d.meta.ID)
		}
	}

	return &Set{
		version:    version(regoFiles, filterFiles, overrides),
		now:        now,
		timeout:    cfg.EvalTimeout,
		detections: dets,
		route:      newRouter(dets),
		specs:      specs,
	}, nil
}

// selectDetections keeps the detections that only names, by id or by a
// glob in which `*` matches any run of characters. A name that selects
// nothing is an error, so a typo never runs an empty set.
func selectDetections(dets []*detection, only []string) ([]*detection, error) {
	if len(only) == 0 {
		return dets, nil
	}
	var out []*detection
	for _, name := range only {
		found := false
		for _, d := range dets {
			if globMatch(name, d.meta.ID) {
				found = true
				if !slices.Contains(out, d) {
					out = append(out, d)
				}
			}
		}
		if !found {
			ids := make([]string, len(dets))
			for j, d := range dets {
				ids[j] = d.meta.ID
			}
			return nil, fmt.Errorf("%w %q (have: %s)", ErrUnknownDetection, name, strings.Join(ids, ", "))
		}
	}
	slices.SortFunc(out, func(a, b *detection) int { return strings.Compare(a.meta.ID, b.meta.ID) })
	return out, nil
}

// version is a content hash of everything that shapes results: the Rego
// files and the filter lists.
func version(groups ...[]source) string {
	h := sha256.New()
	for _, g := range groups {
		for _, s := range g {
			fmt.Fprintf(h, "%s\x00%d\x00", s.key, len(s.content))
			h.Write(s.content)
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// Version is the policy set's content hash: the same files give the same
// version.
func (s *Set) Version() string { return s.version }

// Detections returns the metadata of the loaded detections, sorted by id.
func (s *Set) Detections() []trail.Detection {
	out := make([]trail.Detection, len(s.detections))
	for i, d := range s.detections {
		out[i] = d.meta
	}
	return out
}

// Prefilters describes, per detection id, the prefilter derived from its
// policy: the records it gives to OPA.
func (s *Set) Prefilters() map[string]string {
	out := make(map[string]string, len(s.detections))
	for _, d := range s.detections {
		out[d.meta.ID] = d.pre.String()
	}
	return out
}

// Specs says how each loaded detection's findings aggregate.
func (s *Set) Specs() aggregate.Specs { return s.specs }

// ExpiredFilters returns "<detection>/<id>" for every filter entry that has
// expired and so suppresses nothing, sorted.
func (s *Set) ExpiredFilters() []string {
	var out []string
	for _, f := range s.Filters() {
		if f.Expired {
			out = append(out, f.Detection+"/"+f.ID)
		}
	}
	slices.Sort(out)
	return out
}

// Filters returns every filter entry of the loaded detections, by
// detection id, then in the order of the lists.
func (s *Set) Filters() []trail.Filter {
	var out []trail.Filter
	for _, d := range s.detections {
		for _, e := range d.filters {
			out = append(out, trail.Filter{Detection: d.meta.ID, ID: e.ID, File: e.File, Line: e.Line, Reason: e.Reason,
				Owner: e.Owner, Expires: e.Expires, Expired: e.expired(s.now), Match: e.Match})
		}
	}
	return out
}

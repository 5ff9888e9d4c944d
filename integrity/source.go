package integrity

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
)

// Source is where a tree of CloudTrail objects is read from: a local copy
// (Dir), or an S3 bucket through the loader's source. Verify needs no more
// than this.
type Source interface {
	// List yields every object under root (recursively, any order). A
	// root that cannot be listed at all is a *RootError, yielded once; an
	// error that concerns part of the tree (a *ListError for a folder or
	// prefix) is yielded with a zero Object and the listing goes on.
	List(ctx context.Context, root string) iter.Seq2[Object, error]
	// Open returns the object's bytes as stored (gzip'd).
	Open(ctx context.Context, o Object) (io.ReadCloser, error)
	// Metadata returns the object's user metadata as S3 keeps it (keys in
	// lower case, without "x-amz-meta-"): for a digest, "signature" (hex)
	// and "signature-algorithm". A missing signature is an error wrapping
	// ErrNoSignature.
	Metadata(ctx context.Context, o Object) (map[string]string, error)
}

// Object is one object of a Source.
type Object struct {
	// Name is how the object is named to the user and in trail.Source.File:
	// the local path as the loader's walk forms it (filepath.Join of the
	// root and each name), or s3://bucket/key.
	Name string
	// Bucket is the S3 bucket, "" for a local copy (whose bucket cannot be
	// checked against the digests).
	Bucket string
	// Path locates the object in the AWSLogs layout: the slash-separated
	// local path, or the S3 key.
	Path string
	Size int64
}

// RootError is a root that cannot be listed at all (missing, not a
// directory, no such bucket): nothing was verified.
type RootError struct {
	Root string
	Err  error
}

func (e *RootError) Error() string { return fmt.Sprintf("verify %s: %v", e.Root, e.Err) }
func (e *RootError) Unwrap() error { return e.Err }

// ListError is a part of a tree that could not be listed: a folder, or an
// S3 prefix. Verify does not judge files it cannot know are there: a file a
// digest lists under Path is unverifiable, not missing.
type ListError struct {
	Path string // slash-separated, as Object.Path
	Err  error
}

func (e *ListError) Error() string { return e.Err.Error() }
func (e *ListError) Unwrap() error { return e.Err }

// ErrNoSignature: the digest object carries no signature (a local copy
// without its sidecar file).
var ErrNoSignature = errors.New("no signature")

// SidecarSuffix is appended to a local digest's path to name the file that
// holds its signature: the object's "signature" metadata, which a copy of
// the files alone loses (see docs/integrity.md for how to save it).
const SidecarSuffix = ".sig"

// Dir is a local copy of an AWSLogs tree (aws s3 sync, or a restore). A
// digest's signature is read from its sidecar file <digest>.sig.
type Dir struct{}

// List walks root depth first in lexical order, as the loader does:
// symlinks and special files inside it are not followed or yielded. root
// itself may be a symlink to a directory; a root that is not a directory,
// or cannot be read, is an error.
func (Dir) List(ctx context.Context, root string) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		fi, err := os.Stat(root)
		if err == nil && !fi.IsDir() {
			err = fmt.Errorf("%s: not a directory: verify reads a tree holding AWSLogs/", root)
		}
		if err != nil {
			yield(Object{}, &RootError{Root: root, Err: err})
			return
		}
		walkDir(ctx, root, true, yield)
	}
}

// walkDir yields the files under dir. A folder that cannot be read is an
// error (a *RootError for the root), and the walk goes on.
func walkDir(ctx context.Context, dir string, root bool, yield func(Object, error) bool) bool {
	if err := ctx.Err(); err != nil {
		return yield(Object{}, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil && root {
		return yield(Object{}, &RootError{Root: dir, Err: err})
	}
	if err != nil && !yield(Object{}, &ListError{Path: filepath.ToSlash(dir), Err: err}) {
		return false
	}
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		switch t := e.Type(); {
		case t.IsDir():
			if !walkDir(ctx, path, false, yield) {
				return false
			}
		case t.IsRegular():
			fi, err := e.Info()
			if err != nil {
				if !yield(Object{}, err) {
					return false
				}
				continue
			}
			if !yield(Object{Name: path, Path: filepath.ToSlash(path), Size: fi.Size()}, nil) {
				return false
			}
		}
	}
	return true
}

// Open opens the local file.
func (Dir) Open(_ context.Context, o Object) (io.ReadCloser, error) {
	return os.Open(o.Name)
}

// Metadata reads the sidecar <digest>.sig. It holds either the hex
// signature alone, as
//
//	aws s3api head-object --bucket B --key K --query Metadata.signature --output text
//
// prints it (surrounding quotes and white space are ignored, so the JSON
// output of the same command works too), or the whole JSON output of
// `aws s3api head-object`, whose Metadata is then taken as it is.
func (Dir) Metadata(_ context.Context, o Object) (map[string]string, error) {
	side := o.Name + SidecarSuffix
	b, err := os.ReadFile(side)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: no sidecar %s", ErrNoSignature, side)
	}
	if err != nil {
		return nil, fmt.Errorf("sidecar: %w", err)
	}
	return parseSidecar(side, b)
}

// parseSidecar reads a sidecar's bytes.
func parseSidecar(name string, b []byte) (map[string]string, error) {
	b = bytes.TrimSpace(b)
	if bytes.HasPrefix(b, []byte("{")) {
		var head struct{ Metadata map[string]string }
		if err := json.Unmarshal(b, &head); err != nil {
			return nil, fmt.Errorf("sidecar %s: not the JSON of aws s3api head-object: %w", name, err)
		}
		md := map[string]string{}
		for k, v := range head.Metadata {
			md[strings.ToLower(k)] = v
		}
		if md["signature"] == "" {
			return nil, fmt.Errorf("%w: sidecar %s has no Metadata.signature", ErrNoSignature, name)
		}
		return md, nil
	}
	sig := strings.Trim(string(b), `"`)
	if sig == "" {
		return nil, fmt.Errorf("%w: sidecar %s is empty", ErrNoSignature, name)
	}
	return map[string]string{"signature": sig}, nil
}

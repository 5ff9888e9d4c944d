package s3source

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/trailhunt/trailhunt/loader"
)

// searchDepth is how many folders below the given prefix the lister looks
// for an AWSLogs folder, listing folder by folder (a trail's own key prefix,
// say); below that, a tree off the AWSLogs layout is listed whole.
const searchDepth = 3

// node is one listed prefix: its objects and sub-prefixes, in key order.
type node struct {
	prefix string
	items  []item
}

// item is a planned object or a sub-prefix to descend into.
type item struct {
	key   string // the object's key, or the child's prefix
	size  int64
	etag  string
	child *node
}

// lister lists a Source's prefix with its plan, Config.Concurrency requests
// at once: a prefix the plan can prune below is listed with a delimiter
// ("/"), folder by folder; the others are listed whole.
type lister struct {
	s    *Source
	sem  chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	err  error
	stop context.CancelFunc
	left Left
}

// list fills s.objects with the planned objects in key order and s.left
// with what was left out.
func (s *Source) list(ctx context.Context) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	l := &lister{s: s, sem: make(chan struct{}, s.c.cfg.Concurrency), stop: stop,
		left: Left{Prefixes: map[string]int64{}, Objects: map[string]int64{}}}
	root := &node{prefix: s.prefix}
	// The prefix is a string prefix (as in aws s3 ls): the folders it
	// names in full decide how it is listed.
	dir := s.prefix[:strings.LastIndexByte(s.prefix, '/')+1]
	l.spawn(ctx, root, s.plan.Prunes(dir) || loader.LayoutOf(dir).Depth == 0, 0)
	l.wg.Wait()
	if l.err != nil {
		return l.err
	}
	s.left = l.left
	s.objects = nil
	l.flatten(root, func(it item) {
		s.objects = append(s.objects, loader.Input{
			Path:   s.objectURL(it.key),
			Size:   it.size,
			ETag:   it.etag,
			Walked: it.key != s.prefix, // an object named in full is read like a named file
			Source: s,
		})
	})
	return nil
}

// flatten visits the planned objects below n in key order.
func (l *lister) flatten(n *node, visit func(item)) {
	for _, it := range n.items {
		if it.child != nil {
			l.flatten(it.child, visit)
		} else {
			visit(it)
		}
	}
}

func (l *lister) spawn(ctx context.Context, n *node, delimited bool, depth int) {
	l.wg.Go(func() { l.node(ctx, n, delimited, depth) })
}

// node lists one prefix, page by page, and spawns its planned sub-prefixes.
func (l *lister) node(ctx context.Context, n *node, delimited bool, depth int) {
	in := &s3.ListObjectsV2Input{Bucket: aws.String(l.s.bucket), Prefix: aws.String(n.prefix)}
	if delimited {
		in.Delimiter = aws.String("/")
	}
	for {
		out, err := l.page(ctx, in)
		if err != nil {
			l.fail(err)
			return
		}
		var items []item
		for _, o := range out.Contents {
			key := aws.ToString(o.Key)
			if strings.HasSuffix(key, "/") && aws.ToInt64(o.Size) == 0 {
				continue // a folder marker, as consoles create
			}
			if v := l.s.plan.File(key); v != loader.InPlan {
				l.leave(l.left.Objects, v)
				continue
			}
			items = append(items, item{key: key, size: aws.ToInt64(o.Size), etag: aws.ToString(o.ETag)})
		}
		for _, cp := range out.CommonPrefixes {
			p := aws.ToString(cp.Prefix)
			if v := l.s.plan.Dir(p); v != loader.InPlan {
				l.leave(l.left.Prefixes, v)
				continue
			}
			child := &node{prefix: p}
			items = append(items, item{key: p, child: child})
			deeper := l.s.plan.Prunes(p) || (loader.LayoutOf(p).Depth == 0 && depth+1 < searchDepth)
			l.spawn(ctx, child, deeper, depth+1)
		}
		// Objects and prefixes each come in key order; together too.
		slices.SortFunc(items, func(a, b item) int { return cmp.Compare(a.key, b.key) })
		n.items = append(n.items, items...)
		if !aws.ToBool(out.IsTruncated) {
			return
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// page lists one page, holding one of the Concurrency slots.
func (l *lister) page(ctx context.Context, in *s3.ListObjectsV2Input) (*s3.ListObjectsV2Output, error) {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.sem }()
	cctx, cancel := context.WithTimeout(ctx, l.s.c.callTimeout())
	defer cancel()
	out, err := l.s.s3.ListObjectsV2(cctx, in)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		reason, described := apiFailure("ListObjectsV2", err)
		if reason == ReasonAccessDenied {
			return nil, wrap(ErrAccessDenied, "s3:ListBucket is needed on the prefix", described)
		}
		return nil, described
	}
	return out, nil
}

func (l *lister) leave(m map[string]int64, reason string) {
	l.mu.Lock()
	m[reason]++
	l.mu.Unlock()
}

// fail keeps the first error and stops the other requests.
func (l *lister) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = err
		l.stop()
	}
}

func sortedKeys(m map[string]int64) []string { return slices.Sorted(maps.Keys(m)) }

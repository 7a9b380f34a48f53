package transform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/actuatehq/actuate/actions"
	"github.com/actuatehq/actuate/expr"
	"github.com/actuatehq/actuate/expr/value"
)

// dedupStore remembers the digests of deduplication keys for one run, with
// the time each one expires.
type dedupStore struct {
	mu      sync.Mutex
	expires map[[sha256.Size]byte]time.Time
}

// runStateKey is where the store lives in Env.RunState.
type runStateKey struct{}

func store(env *actions.Env) *dedupStore {
	if env == nil || env.RunState == nil {
		return nil
	}
	s, _ := env.RunState.LoadOrStore(runStateKey{}, &dedupStore{expires: map[[sha256.Size]byte]time.Time{}})
	return s.(*dedupStore)
}

// checkAndSet records the digests that are new (absent or expired) with
// their expiry, and reports which were new. Like Redis' SET NX EX, a
// digest already present keeps its expiry.
func (s *dedupStore) checkAndSet(digests [][sha256.Size]byte, now time.Time, ttl time.Duration) []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.expires) > 4096 {
		for d, exp := range s.expires {
			if !now.Before(exp) {
				delete(s.expires, d)
			}
		}
	}
	fresh := make([]bool, len(digests))
	for i, d := range digests {
		if exp, ok := s.expires[d]; ok && now.Before(exp) {
			continue
		}
		s.expires[d] = now.Add(ttl)
		fresh[i] = true
	}
	return fresh
}

func deduplicate(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	v, _ := args.Get("items")
	var items []any
	switch x := v.(type) {
	case *value.Map:
		if x.Len() == 0 {
			return []any{}, nil // Tracecat's `if not items`, before its keys are read
		}
		items = []any{x}
	case []any:
		items = x
	}
	ttl, _ := args.Get("expire_seconds")
	persist, _ := args.Get("persist")
	return dedupItems(ctx, items, getList(args, "keys"), ttl, persist == true, env)
}

func isDuplicate(ctx context.Context, args *value.Map, env *actions.Env) (any, error) {
	item, _ := args.Get("item")
	if m, ok := item.(*value.Map); ok && m.Len() == 0 {
		return true, nil // deduplicate keeps nothing of an empty object
	}
	ttl, _ := args.Get("expire_seconds")
	kept, err := dedupItems(ctx, []any{item}, getList(args, "keys"), ttl, true, env)
	if err != nil {
		return nil, err
	}
	return len(kept) == 0, nil
}

// dedupItems is Tracecat's deduplicate: items with the same key values
// are merged into the first one (later fields win); with persist, the
// merged items whose keys were seen earlier in the run (and have not
// expired) are dropped.
func dedupItems(ctx context.Context, items, keys []any, ttlArg any, persist bool, env *actions.Env) ([]any, error) {
	if len(items) == 0 {
		return []any{}, nil
	}
	seconds, _ := ttlArg.(int)
	if persist && seconds <= 0 {
		return nil, fmt.Errorf("expire_seconds must be a positive number of seconds, not %d", seconds)
	}
	type group struct {
		digest [sha256.Size]byte
		item   *value.Map
	}
	var order []*group
	seen := map[string]*group{}
	dkeys := make([]dedupKey, len(keys))
	for i, k := range keys {
		path, _ := k.(string)
		dkeys[i] = dedupKey{path: path, dotted: isDotted(path)}
	}
	for i, it := range items {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		m, ok := it.(*value.Map)
		if !ok || m == nil {
			return nil, fmt.Errorf("item %d is a %s; deduplicate takes JSON objects", i, value.TypeName(it))
		}
		key, err := keyOf(m, dkeys)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		if g, ok := seen[key]; ok {
			m.Range(func(k string, v any) bool { g.item.Set(k, v); return true })
			continue
		}
		g := &group{digest: sha256.Sum256([]byte(key)), item: m.Clone()}
		seen[key] = g
		order = append(order, g)
	}
	out := make([]any, 0, len(order))
	fresh := make([]bool, len(order))
	if s := store(env); persist && s != nil {
		digests := make([][sha256.Size]byte, len(order))
		for i, g := range order {
			digests[i] = g.digest
		}
		now := time.Now
		if env.Now != nil {
			now = env.Now
		}
		fresh = s.checkAndSet(digests, now(), time.Duration(seconds)*time.Second)
	} else {
		for i := range fresh {
			fresh[i] = true
		}
	}
	for i, g := range order {
		if fresh[i] {
			out = append(out, g.item)
		}
	}
	return out, nil
}

// keyOf returns the canonical JSON of the item's values at keys, the
// identity of the item for deduplication.
func keyOf(item *value.Map, keys []dedupKey) (string, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range keys {
		v, err := keys[i].lookup(item)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		if err := writeCanonical(&b, v); err != nil {
			return "", err
		}
	}
	b.WriteByte(']')
	return b.String(), nil
}

// dedupKey is one of the keys of a deduplicate call. A key that is not
// dotted is a JSONPath, compiled when the first item is read and reused
// for the others.
type dedupKey struct {
	path   string
	dotted bool
	query  *expr.JSONPathQuery
}

// lookup evaluates "$." + path on item strictly: a key that matches
// nothing is an error, as in Tracecat.
func (k *dedupKey) lookup(item *value.Map) (any, error) {
	if k.dotted {
		var v any = item
		for part := range strings.SplitSeq(k.path, ".") {
			m, ok := v.(*value.Map)
			if !ok || m == nil {
				return nil, k.missing()
			}
			if v, ok = m.Get(part); !ok {
				return nil, k.missing()
			}
		}
		return v, nil
	}
	if k.query == nil {
		q, err := expr.CompileJSONPath("$." + k.path)
		if err != nil {
			return nil, err
		}
		k.query = q
	}
	v := k.query.Eval(item)
	if v == nil {
		return nil, k.missing()
	}
	return v, nil
}

func (k *dedupKey) missing() error {
	return fmt.Errorf("Couldn't resolve expression '$.%s' in the context", k.path)
}

// isDotted reports whether key is names joined by dots (user.id).
func isDotted(key string) bool {
	if key == "" {
		return false
	}
	for _, part := range strings.Split(key, ".") {
		if part == "" {
			return false
		}
		for _, r := range part {
			if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}

// writeCanonical writes v as JSON with sorted object keys, as Python's
// json.dumps(v, sort_keys=True) does for the key of a deduplicated item.
func writeCanonical(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case *value.Map:
		b.WriteByte('{')
		for i, k := range x.SortedKeys() {
			if i > 0 {
				b.WriteByte(',')
			}
			kj, _ := value.MarshalJSON(k)
			b.Write(kj)
			b.WriteByte(':')
			it, _ := x.Get(k)
			if err := writeCanonical(b, it); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, it := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeCanonical(b, it); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	default:
		j, err := value.MarshalJSON(v)
		if err != nil {
			// Python's default=str.
			j, _ = value.MarshalJSON(value.Str(v))
		}
		b.Write(j)
	}
	return nil
}

// Package value defines the values that template inputs, step results and
// expressions exchange, and gives them Python's meaning.
//
// Tracecat templates are evaluated by Python, so a value here behaves like the
// Python object it stands for:
//
//	None                 nil
//	bool                 bool
//	int                  int (64-bit)
//	float                float64
//	str                  string
//	list                 []any
//	dict                 *Map (keeps insertion order, like a Python dict)
//	datetime.datetime    DateTime (aware or naive)
//	datetime.date        Date
//	datetime.time        TimeOfDay
//	datetime.timedelta   time.Duration
//
// Values decoded from JSON or YAML use only the first seven forms. [Str] and
// [Repr] give Python's str() and repr() text, [Truthy] its truth test and
// [Equal] its == operator.
package value

import (
	"sort"
	"time"
)

// Map is an ordered mapping from string keys to values, the counterpart of a
// Python dict decoded from JSON: iteration follows insertion order, and
// setting an existing key keeps its place. The zero value is not usable; call
// [NewMap]. A Map is not safe for concurrent mutation.
type Map struct {
	keys []string
	vals []any
	// index is built once the map outgrows a linear scan (indexFrom
	// entries); most maps of templates and API results are smaller.
	index map[string]int
}

// indexFrom is the size from which a map keeps a hash index of its keys.
const indexFrom = 16

// NewMap returns an empty map with room for n entries.
func NewMap(n int) *Map {
	// Small maps, the usual case, come in one allocation with their
	// storage; a map that outgrows it moves to ordinary slices.
	switch {
	case n <= 1:
		x := &map1{}
		x.m.keys, x.m.vals = x.k[:0], x.v[:0]
		return &x.m
	case n <= 2:
		x := &map2{}
		x.m.keys, x.m.vals = x.k[:0], x.v[:0]
		return &x.m
	case n <= 4:
		x := &map4{}
		x.m.keys, x.m.vals = x.k[:0], x.v[:0]
		return &x.m
	case n <= 8:
		x := &map8{}
		x.m.keys, x.m.vals = x.k[:0], x.v[:0]
		return &x.m
	case n <= 16:
		x := &map16{}
		x.m.keys, x.m.vals = x.k[:0], x.v[:0]
		return &x.m
	}
	return &Map{keys: make([]string, 0, n), vals: make([]any, 0, n)}
}

// Maps with inline storage, allocated as one object by NewMap.
type (
	map1 struct {
		m Map
		k [1]string
		v [1]any
	}
	map2 struct {
		m Map
		k [2]string
		v [2]any
	}
	map4 struct {
		m Map
		k [4]string
		v [4]any
	}
	map8 struct {
		m Map
		k [8]string
		v [8]any
	}
	map16 struct {
		m Map
		k [16]string
		v [16]any
	}
)

// NewMapWithKeys returns a map of keys to vals (keys[i] to vals[i]), for
// callers that build many maps with the same distinct keys, such as a
// step's record: the map shares keys instead of copying it, so neither
// it nor the caller may modify the slice. A key added later is added to
// a copy.
func NewMapWithKeys(keys []string, vals ...any) *Map {
	if len(keys) != len(vals) {
		panic("value.NewMapWithKeys: not as many values as keys")
	}
	n := len(keys)
	var m *Map
	switch {
	case n <= 2:
		x := &mapVals2{}
		m = &x.m
		m.vals = x.v[:n]
	case n <= 4:
		x := &mapVals4{}
		m = &x.m
		m.vals = x.v[:n]
	case n <= 8:
		x := &mapVals8{}
		m = &x.m
		m.vals = x.v[:n]
	default:
		m = &Map{vals: make([]any, n)}
	}
	m.keys = keys[:n:n] // full, so that Append copies it
	copy(m.vals, vals)
	if n > indexFrom {
		m.reindex()
	}
	return m
}

// Maps sharing their keys, with inline storage for their values.
type (
	mapVals2 struct {
		m Map
		v [2]any
	}
	mapVals4 struct {
		m Map
		v [4]any
	}
	mapVals8 struct {
		m Map
		v [8]any
	}
)

// MapOf builds a map from alternating keys and values, in that order. It
// panics when pairs has an odd length or a key that is not a string.
func MapOf(pairs ...any) *Map {
	if len(pairs)%2 != 0 {
		panic("value.MapOf: odd number of arguments")
	}
	m := NewMap(len(pairs) / 2)
	for i := 0; i < len(pairs); i += 2 {
		m.Set(pairs[i].(string), pairs[i+1])
	}
	return m
}

// Len returns the number of entries.
func (m *Map) Len() int { return len(m.keys) }

// Keys returns the keys in insertion order. The caller must not modify the
// returned slice.
func (m *Map) Keys() []string { return m.keys }

// Values returns the values in order, Values()[i] being the value of
// Keys()[i]. The slice is the map's own: do not modify it.
func (m *Map) Values() []any { return m.vals }

// find returns the position of key, or -1.
func (m *Map) find(key string) int {
	if m.index != nil {
		if i, ok := m.index[key]; ok {
			return i
		}
		return -1
	}
	for i, k := range m.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// Get returns the value stored under key and whether it is present.
func (m *Map) Get(key string) (any, bool) {
	if i := m.find(key); i >= 0 {
		return m.vals[i], true
	}
	return nil, false
}

// Set stores v under key. A new key goes last; an existing key keeps its place.
func (m *Map) Set(key string, v any) {
	if i := m.find(key); i >= 0 {
		m.vals[i] = v
		return
	}
	m.Append(key, v)
}

// Append adds an entry under a key that m does not hold yet, last. It is
// [Map.Set] without the lookup, for callers that know their keys are
// distinct (the declared inputs of an action, say); appending a key
// that is present leaves the map with it twice.
func (m *Map) Append(key string, v any) {
	m.keys = append(m.keys, key)
	m.vals = append(m.vals, v)
	switch {
	case m.index != nil:
		m.index[key] = len(m.keys) - 1
	case len(m.keys) > indexFrom:
		m.reindex()
	}
}

func (m *Map) reindex() {
	m.index = make(map[string]int, len(m.keys))
	for i, k := range m.keys {
		m.index[k] = i
	}
}

// Child returns the map stored under key, creating an empty one (in place
// of anything that is not a map) when there is none.
func (m *Map) Child(key string) *Map {
	if v, ok := m.Get(key); ok {
		if c, ok := v.(*Map); ok && c != nil {
			return c
		}
	}
	c := NewMap(4)
	m.Set(key, c)
	return c
}

// Delete removes key, keeping the order of the other entries.
func (m *Map) Delete(key string) {
	i := m.find(key)
	if i < 0 {
		return
	}
	// A new key slice: the map may share its keys (NewMapWithKeys).
	keys := make([]string, 0, len(m.keys)-1)
	m.keys = append(append(keys, m.keys[:i]...), m.keys[i+1:]...)
	m.vals = append(m.vals[:i], m.vals[i+1:]...)
	if m.index != nil {
		m.reindex()
	}
}

// Range calls fn for each entry in order until fn returns false.
func (m *Map) Range(fn func(key string, v any) bool) {
	for i, k := range m.keys {
		if !fn(k, m.vals[i]) {
			return
		}
	}
}

// Clone returns a shallow copy of m.
func (m *Map) Clone() *Map {
	c := NewMap(m.Len())
	for i, k := range m.keys {
		c.Set(k, m.vals[i])
	}
	return c
}

// SortedKeys returns the keys in lexical order.
func (m *Map) SortedKeys() []string {
	ks := append([]string(nil), m.keys...)
	sort.Strings(ks)
	return ks
}

// DateTime is a Python datetime.datetime. When Naive is true the value has no
// time zone: Time holds the wall-clock fields in [time.UTC] and the zone must
// not be shown or used for conversions.
type DateTime struct {
	Time  time.Time
	Naive bool
}

// Date is a Python datetime.date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// TimeOfDay is a Python datetime.time without a time zone.
type TimeOfDay struct {
	Hour, Minute, Second, Nanosecond int
}

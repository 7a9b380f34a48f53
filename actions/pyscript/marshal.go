package pyscript

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/actuatehq/actuate/expr/value"
)

// The call and the reply cross between Go and the runner in Python's
// marshal format (version 4), not JSON: marshal is built into the
// interpreter, while importing json (and the re module it needs) would
// double the time a small step takes. Only plain data crosses: None,
// bools, ints, floats, strings, lists and dicts with string keys. Go
// writes the engine's datetimes, dates, times and durations as tagged
// dicts (see typeTag), which the runner turns back into Python objects;
// the runner turns anything else into plain data first.

// Type codes of the marshal format.
const (
	mNull        = '0'
	mNone        = 'N'
	mFalse       = 'F'
	mTrue        = 'T'
	mInt         = 'i'
	mLong        = 'l'
	mFloat       = 'g'
	mBytes       = 's'
	mUnicode     = 'u'
	mInterned    = 't'
	mASCII       = 'a'
	mASCIIIntern = 'A'
	mShortASCII  = 'z'
	mShortIntern = 'Z'
	mTuple       = '('
	mSmallTuple  = ')'
	mList        = '['
	mDict        = '{'
	mRef         = 'r'
	mFlagRef     = 0x80
)

// maxMarshalDepth bounds nesting when reading, as CPython's own reader
// does.
const maxMarshalDepth = 2000

// marshaler writes values in marshal format.
type marshaler struct {
	// tagged is set once a value has been written as a tagged dict.
	tagged bool
}

// append appends v in marshal format; a datetime, date, time or
// duration, which JSON has no type for, goes as a tagged dict, so that a
// script gets datetime.datetime for an input of type datetime, as in
// Tracecat.
func (w *marshaler) append(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, mNone), nil
	case bool:
		if x {
			return append(b, mTrue), nil
		}
		return append(b, mFalse), nil
	case int:
		if x >= math.MinInt32 && x <= math.MaxInt32 {
			b = append(b, mInt)
			return binary.LittleEndian.AppendUint32(b, uint32(int32(x))), nil
		}
		return appendLong(b, x), nil
	case int64:
		return w.append(b, int(x))
	case float64:
		b = append(b, mFloat)
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(x)), nil
	case string:
		s := strings.ToValidUTF8(x, "\uFFFD")
		b = append(b, mUnicode)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		return append(b, s...), nil
	case []any:
		b = append(b, mList)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(x)))
		var err error
		for _, e := range x {
			if b, err = w.append(b, e); err != nil {
				return nil, err
			}
		}
		return b, nil
	case *value.Map:
		b = append(b, mDict)
		var err error
		x.Range(func(k string, e any) bool {
			if b, err = w.append(b, k); err != nil {
				return false
			}
			b, err = w.append(b, e)
			return err == nil
		})
		if err != nil {
			return nil, err
		}
		return append(b, mNull), nil
	case value.DateTime:
		return w.tag(b, "datetime", value.ISOFormat(x))
	case value.Date:
		return w.tag(b, "date", value.Str(x)) // Python's str(), which fromisoformat reads
	case value.TimeOfDay:
		return w.tag(b, "time", value.Str(x))
	case time.Duration:
		return w.tag(b, "timedelta", x.Seconds())
	}
	return nil, fmt.Errorf("a %s cannot be passed to Python", value.TypeName(v))
}

// tag appends {typeTag: kind, "value": v}.
func (w *marshaler) tag(b []byte, kind string, v any) ([]byte, error) {
	w.tagged = true
	return w.append(b, value.MapOf(typeTag, kind, "value", v))
}

// appendLong writes an int outside 32 bits as marshal's base-2**15
// digits.
func appendLong(b []byte, x int) []byte {
	neg := x < 0
	u := uint64(x)
	if neg {
		u = -u
	}
	var digits []uint16
	for u > 0 {
		digits = append(digits, uint16(u&0x7fff))
		u >>= 15
	}
	n := int32(len(digits))
	if neg {
		n = -n
	}
	b = append(b, mLong)
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	for _, d := range digits {
		b = binary.LittleEndian.AppendUint16(b, d)
	}
	return b
}

// errNonFinite is what the reply reader returns for NaN and infinities,
// which JSON cannot hold; the text is Python's json module's.
var errNonFinite = errors.New("ValueError: Out of range float values are not JSON compliant")

// unmarshal reads one value in marshal format, as the runner writes it,
// into the engine's values: dicts keep their key order; tuples become
// lists; ints that do not fit 64 bits become floats.
func unmarshal(data []byte) (any, error) {
	r := &marshalReader{data: data}
	v, err := r.read(0)
	if err != nil {
		return nil, err
	}
	if r.pos != len(data) {
		return nil, fmt.Errorf("%d bytes after the value", len(data)-r.pos)
	}
	return v, nil
}

type marshalReader struct {
	data []byte
	pos  int
	refs []any
}

var errTruncated = errors.New("the data ends in the middle of a value")

func (r *marshalReader) byte() (byte, error) {
	if r.pos >= len(r.data) {
		return 0, errTruncated
	}
	c := r.data[r.pos]
	r.pos++
	return c, nil
}

func (r *marshalReader) bytes(n int) ([]byte, error) {
	if n < 0 || n > len(r.data)-r.pos {
		return nil, errTruncated
	}
	b := r.data[r.pos : r.pos+n]
	r.pos += n
	return b, nil
}

func (r *marshalReader) int32() (int32, error) {
	b, err := r.bytes(4)
	if err != nil {
		return 0, err
	}
	return int32(binary.LittleEndian.Uint32(b)), nil
}

// count reads a length and checks that that many items of at least one
// byte each can follow.
func (r *marshalReader) count() (int, error) {
	n, err := r.int32()
	if err != nil {
		return 0, err
	}
	if n < 0 || int(n) > len(r.data)-r.pos {
		return 0, errTruncated
	}
	return int(n), nil
}

func (r *marshalReader) read(depth int) (any, error) {
	if depth > maxMarshalDepth {
		return nil, errors.New("values nested too deep")
	}
	code, err := r.byte()
	if err != nil {
		return nil, err
	}
	flag := code&mFlagRef != 0
	code &^= mFlagRef
	// A container flagged for reference takes its slot before its items.
	slot := -1
	if flag {
		slot = len(r.refs)
		r.refs = append(r.refs, nil)
	}
	v, err := r.readCode(code, depth)
	if err != nil {
		return nil, err
	}
	if slot >= 0 {
		r.refs[slot] = v
	}
	return v, nil
}

func (r *marshalReader) readCode(code byte, depth int) (any, error) {
	switch code {
	case mNone:
		return nil, nil
	case mTrue:
		return true, nil
	case mFalse:
		return false, nil
	case mInt:
		n, err := r.int32()
		return int(n), err
	case mLong:
		return r.long()
	case mFloat:
		b, err := r.bytes(8)
		if err != nil {
			return nil, err
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(b))
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errNonFinite
		}
		return f, nil
	case mUnicode, mInterned, mASCII, mASCIIIntern, mBytes:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		return r.text(n)
	case mShortASCII, mShortIntern:
		n, err := r.byte()
		if err != nil {
			return nil, err
		}
		return r.text(int(n))
	case mList, mTuple:
		n, err := r.count()
		if err != nil {
			return nil, err
		}
		return r.items(n, depth)
	case mSmallTuple:
		n, err := r.byte()
		if err != nil {
			return nil, err
		}
		return r.items(int(n), depth)
	case mDict:
		m := value.NewMap(0)
		for {
			if r.pos < len(r.data) && r.data[r.pos] == mNull {
				r.pos++
				return m, nil
			}
			k, err := r.read(depth + 1)
			if err != nil {
				return nil, err
			}
			key, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("a dict key is a %s, not a string", value.TypeName(k))
			}
			v, err := r.read(depth + 1)
			if err != nil {
				return nil, err
			}
			m.Set(key, v)
		}
	case mRef:
		n, err := r.int32()
		if err != nil {
			return nil, err
		}
		if n < 0 || int(n) >= len(r.refs) || r.refs[n] == nil {
			return nil, fmt.Errorf("a reference to object %d, which is not there", n)
		}
		return copyShared(r.refs[n]), nil
	}
	return nil, fmt.Errorf("an unexpected type code %q", code)
}

// copyShared copies a container met again through a reference, so that no
// two places of a result share a map or list.
func copyShared(v any) any {
	switch x := v.(type) {
	case *value.Map:
		out := value.NewMap(x.Len())
		x.Range(func(k string, e any) bool {
			out.Set(k, copyShared(e))
			return true
		})
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyShared(e)
		}
		return out
	}
	return v
}

func (r *marshalReader) text(n int) (any, error) {
	b, err := r.bytes(n)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(b) {
		// Lone surrogates (marshal's surrogatepass) become U+FFFD.
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	}
	return string(b), nil
}

func (r *marshalReader) items(n, depth int) (any, error) {
	list := make([]any, n)
	for i := range list {
		v, err := r.read(depth + 1)
		if err != nil {
			return nil, err
		}
		list[i] = v
	}
	return list, nil
}

// long reads marshal's base-2**15 digits.
func (r *marshalReader) long() (any, error) {
	n, err := r.int32()
	if err != nil {
		return nil, err
	}
	size := int(n)
	if size < 0 {
		size = -size
	}
	b, err := r.bytes(2 * size)
	if err != nil {
		return nil, err
	}
	x := new(big.Int)
	for i := size - 1; i >= 0; i-- {
		d := binary.LittleEndian.Uint16(b[2*i:])
		if d > 0x7fff {
			return nil, errors.New("a bad digit in a long int")
		}
		x.Lsh(x, 15).Or(x, big.NewInt(int64(d)))
	}
	if n < 0 {
		x.Neg(x)
	}
	if x.IsInt64() {
		return int(x.Int64()), nil
	}
	// Beyond 64 bits, the engine's values hold a float; beyond a float's
	// range, nothing.
	f, _ := new(big.Float).SetInt(x).Float64()
	if math.IsInf(f, 0) {
		return nil, errors.New("OverflowError: int too large to convert to float")
	}
	return f, nil
}

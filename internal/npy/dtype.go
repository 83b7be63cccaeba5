package npy

import (
	"encoding/binary"
	"fmt"
	"math"
)

// DType is the element type an array had in its file. Array.Data is always float32; DType
// tells a caller what it was converted from, so that it can, say, refuse integer weights or
// accept integer labels. The zero value is Float32, the type Write writes.
type DType uint8

// The element types Read converts to float32, with their NumPy dtype names.
const (
	Float32 DType = iota // float32, '<f4'
	Float64              // float64, '<f8'
	Float16              // float16, '<f2'
	Int8                 // int8, '|i1'
	Int16                // int16, '<i2'
	Int32                // int32, '<i4'
	Int64                // int64, '<i8'
	Uint8                // uint8, '|u1'
	Uint16               // uint16, '<u2'
	Uint32               // uint32, '<u4'
	Uint64               // uint64, '<u8'
	Bool                 // bool, '|b1'
)

// dtypeInfo describes each DType: its NumPy name, its kind letter in a descr and its size.
var dtypeInfo = [...]struct {
	name string
	kind byte
	size int
}{
	Float32: {"float32", 'f', 4},
	Float64: {"float64", 'f', 8},
	Float16: {"float16", 'f', 2},
	Int8:    {"int8", 'i', 1},
	Int16:   {"int16", 'i', 2},
	Int32:   {"int32", 'i', 4},
	Int64:   {"int64", 'i', 8},
	Uint8:   {"uint8", 'u', 1},
	Uint16:  {"uint16", 'u', 2},
	Uint32:  {"uint32", 'u', 4},
	Uint64:  {"uint64", 'u', 8},
	Bool:    {"bool", 'b', 1},
}

// String returns NumPy's name for the type, such as "float32".
func (d DType) String() string {
	if int(d) < len(dtypeInfo) {
		return dtypeInfo[d].name
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size returns the bytes one element takes in a file.
func (d DType) Size() int { return dtypeInfo[d].size }

// elementType is a parsed descr: the type and the byte order of its elements.
type elementType struct {
	dtype DType
	order binary.ByteOrder
}

// parseDescr parses a descr string such as "<f4", ">i8" or "|u1". The first character is the
// byte order: '<' little-endian, '>' big-endian, '|' (not applicable) and '=' native, as NumPy
// reads them. It returns ok == false for anything else, which includes every structured,
// complex, string, datetime and object dtype.
func parseDescr(descr string) (t elementType, ok bool) {
	if len(descr) != 3 {
		return t, false
	}
	switch descr[0] {
	case '<':
		t.order = binary.LittleEndian
	case '>':
		t.order = binary.BigEndian
	case '|', '=':
		t.order = binary.NativeEndian
	default:
		return t, false
	}
	size := int(descr[2] - '0')
	for d, info := range dtypeInfo {
		if info.kind == descr[1] && info.size == size {
			t.dtype = DType(d)
			return t, true
		}
	}
	return t, false
}

// decode converts len(dst) elements of type t from src (len(dst)*t.dtype.Size() bytes) into
// dst. The common case, little-endian float32, takes a loop of its own that the compiler
// inlines; the others go through the byte-order interface, which costs about a nanosecond an
// element.
func (t elementType) decode(dst []float32, src []byte) {
	if t.dtype == Float32 && t.order == binary.LittleEndian {
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
		return
	}
	bo := t.order
	switch t.dtype {
	case Float32:
		for i := range dst {
			dst[i] = math.Float32frombits(bo.Uint32(src[4*i:]))
		}
	case Float64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(bo.Uint64(src[8*i:])))
		}
	case Float16:
		for i := range dst {
			dst[i] = float16to32(bo.Uint16(src[2*i:]))
		}
	case Int8:
		for i := range dst {
			dst[i] = float32(int8(src[i]))
		}
	case Int16:
		for i := range dst {
			dst[i] = float32(int16(bo.Uint16(src[2*i:])))
		}
	case Int32:
		for i := range dst {
			dst[i] = float32(int32(bo.Uint32(src[4*i:])))
		}
	case Int64:
		for i := range dst {
			dst[i] = float32(int64(bo.Uint64(src[8*i:])))
		}
	case Uint8:
		for i := range dst {
			dst[i] = float32(src[i])
		}
	case Uint16:
		for i := range dst {
			dst[i] = float32(bo.Uint16(src[2*i:]))
		}
	case Uint32:
		for i := range dst {
			dst[i] = float32(bo.Uint32(src[4*i:]))
		}
	case Uint64:
		for i := range dst {
			dst[i] = float32(bo.Uint64(src[8*i:]))
		}
	case Bool:
		// NumPy stores True as 1; any other non-zero byte also reads as true there.
		for i := range dst {
			if src[i] != 0 {
				dst[i] = 1
			} else {
				dst[i] = 0
			}
		}
	default:
		panic("npy: decode of unknown dtype " + t.dtype.String())
	}
}

// float16to32 converts an IEEE 754 half-precision number (1 sign bit, 5 exponent bits biased by
// 15, 10 fraction bits) exactly to float32 (8 exponent bits biased by 127, 23 fraction bits).
func float16to32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN, keeping the NaN payload
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0: // signed zero
		return math.Float32frombits(sign)
	default: // subnormal: frac × 2^-24, exact in float32
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
}

package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// The .npy layout (numpy.lib.format): the magic "\x93NUMPY", a major and a minor version byte,
// the header length (uint16 little-endian in version 1.0, uint32 in 2.0 and 3.0), the header (a
// Python dict literal, Latin-1 in 1.0 and 2.0, UTF-8 in 3.0, padded with spaces and ended by a
// newline so that the data starts at a multiple of 64 bytes), then the raw elements.
const magic = "\x93NUMPY"

const (
	// maxHeaderLen bounds the header read from a file. Any header with a supported dtype and at
	// most maxDims dimensions fits in 2 KiB; numpy itself refuses more than 10000 bytes unless
	// told to trust the file. A generous bound costs nothing, since the length is also checked
	// against the file before it is allocated.
	maxHeaderLen = 64 << 10

	// maxDims is NumPy 2's NPY_MAXDIMS.
	maxDims = 64

	// growthPadding is numpy's GROWTH_AXIS_MAX_DIGITS: np.save leaves room after the dict for
	// the first dimension to grow to this many digits, so that the header can be rewritten in
	// place. Write copies it to write the same bytes.
	growthPadding = 21

	// headerAlign is numpy's ARRAY_ALIGN: the data starts at a multiple of it.
	headerAlign = 64
)

// header is a validated .npy header.
type header struct {
	elem      elementType
	shape     []int
	count     int   // number of elements, the product of shape
	dataLen   int64 // bytes of data, count × element size
	headerLen int64 // bytes before the data: magic, version, length and dict
}

// readHeader reads and validates an .npy header from r. size is the number of bytes r holds,
// or -1 if unknown; errors call the input what ("file" or "entry"). The returned error is a
// *FormatError with Path and Entry left for the caller to fill in.
func readHeader(r io.Reader, size int64, what string) (header, error) {
	var h header
	var prefix [12]byte
	if n, err := io.ReadFull(r, prefix[:8]); err != nil {
		if isEOF(err) {
			return h, &FormatError{Reason: fmt.Sprintf("truncated: an .npy %s starts with at least 10 bytes, found %d", what, n), Err: ErrTruncated}
		}
		return h, &FormatError{Reason: "reading the header", Err: err}
	}
	if string(prefix[:6]) != magic {
		reason := fmt.Sprintf("not an .npy file: starts with %q, want %q", prefix[:6], magic)
		if string(prefix[:4]) == "PK\x03\x04" {
			reason += " (this is a zip archive, as an .npz file is)"
		}
		return h, &FormatError{Reason: reason}
	}
	major, minor := prefix[6], prefix[7]
	lengthSize := 4
	switch {
	case major == 1 && minor == 0:
		lengthSize = 2
	case (major == 2 || major == 3) && minor == 0:
	default:
		return h, &FormatError{Reason: fmt.Sprintf("format version %d.%d (want 1.0, 2.0 or 3.0)", major, minor), Err: ErrUnsupported}
	}
	if n, err := io.ReadFull(r, prefix[8:8+lengthSize]); err != nil {
		if isEOF(err) {
			return h, &FormatError{Reason: fmt.Sprintf("truncated: a version %d.0 header needs %d bytes before the dict, found %d", major, 8+lengthSize, 8+n), Err: ErrTruncated}
		}
		return h, &FormatError{Reason: "reading the header", Err: err}
	}
	var dictLen int64
	if lengthSize == 2 {
		dictLen = int64(binary.LittleEndian.Uint16(prefix[8:]))
	} else {
		dictLen = int64(binary.LittleEndian.Uint32(prefix[8:]))
	}
	h.headerLen = int64(8+lengthSize) + dictLen
	if size >= 0 && h.headerLen > size {
		return h, &FormatError{Reason: fmt.Sprintf("truncated: the header says it takes %d bytes, the %s has %d", h.headerLen, what, size), Err: ErrTruncated}
	}
	if dictLen > maxHeaderLen {
		return h, &FormatError{Reason: fmt.Sprintf("header of %d bytes exceeds the limit of %d", dictLen, maxHeaderLen)}
	}
	dict := make([]byte, dictLen)
	if n, err := io.ReadFull(r, dict); err != nil {
		if isEOF(err) {
			return h, &FormatError{Reason: fmt.Sprintf("truncated: the header says it takes %d bytes, found %d", h.headerLen, int64(8+lengthSize+n)), Err: ErrTruncated}
		}
		return h, &FormatError{Reason: "reading the header", Err: err}
	}

	descr, fortran, shape, err := parseDict(dict)
	if err != nil {
		return h, err
	}
	elem, ok := parseDescr(descr)
	if !ok {
		return h, &FormatError{Reason: fmt.Sprintf("dtype %q: only float16/32/64, (u)int8/16/32/64 and bool arrays are read", descr), Err: ErrUnsupported}
	}
	if fortran {
		return h, &FormatError{Reason: fmt.Sprintf("shape %s is stored in Fortran order; only C order is read (save np.ascontiguousarray(a) instead)", shapeString(shape)), Err: ErrUnsupported}
	}
	count, dataLen, err := sizeOf(shape, elem.dtype.Size())
	if err != nil {
		return h, &FormatError{Reason: err.Error()}
	}
	h.elem, h.shape, h.count, h.dataLen = elem, shape, count, dataLen
	return h, nil
}

// sizeOf returns the number of elements of shape and their size in bytes, or an error for a
// negative dimension or a size that overflows an int (the length of the float32 slice) or an
// int64 (the length of the file).
func sizeOf(shape []int, elemSize int) (count int, bytes int64, err error) {
	count = 1
	for i, d := range shape {
		if d < 0 {
			return 0, 0, fmt.Errorf("shape %s: dimension %d is negative", shapeString(shape), i)
		}
		if d == 0 {
			count = 0
		}
	}
	if count == 0 {
		return 0, 0, nil
	}
	for _, d := range shape {
		if count > math.MaxInt/d {
			return 0, 0, fmt.Errorf("shape %s: the element count overflows", shapeString(shape))
		}
		count *= d
	}
	// Both the file's bytes (an int64) and the float32 slice (an int of bytes) must be sizable.
	widest := max(elemSize, 4)
	if count > math.MaxInt/widest || int64(count) > math.MaxInt64/int64(widest) {
		return 0, 0, fmt.Errorf("shape %s: the size in bytes overflows", shapeString(shape))
	}
	return count, int64(count) * int64(elemSize), nil
}

// parseDict parses the header dict, a Python literal such as
//
//	{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
//
// with exactly the keys 'descr' (a string), 'fortran_order' (True or False) and 'shape' (a tuple
// of integers), in any order, followed by spaces and a newline. It accepts what numpy's
// safe_eval accepts from real files: either quote, optional trailing commas, the 'L' suffix that
// Python 2 wrote after integers. A list-valued descr (a structured dtype) is ErrUnsupported.
func parseDict(dict []byte) (descr string, fortran bool, shape []int, err error) {
	p := dictParser{s: dict}
	defer func() {
		if err == nil {
			return
		}
		if _, ok := err.(*FormatError); ok {
			return
		}
		err = &FormatError{Reason: fmt.Sprintf("header %s: %v", quoteHeader(dict), err)}
	}()

	if err := p.expect('{'); err != nil {
		return "", false, nil, err
	}
	seen := map[string]bool{}
	for {
		p.skipSpace()
		if p.peek() == '}' {
			p.pos++
			break
		}
		key, err := p.str()
		if err != nil {
			return "", false, nil, err
		}
		if seen[key] {
			return "", false, nil, fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		if err := p.expect(':'); err != nil {
			return "", false, nil, err
		}
		p.skipSpace()
		switch key {
		case "descr":
			if p.peek() == '[' {
				return "", false, nil, &FormatError{Reason: fmt.Sprintf("header %s: structured dtypes are not read", quoteHeader(dict)), Err: ErrUnsupported}
			}
			if descr, err = p.str(); err != nil {
				return "", false, nil, err
			}
		case "fortran_order":
			switch word := p.word(); word {
			case "True":
				fortran = true
			case "False":
				fortran = false
			default:
				return "", false, nil, fmt.Errorf("fortran_order is %q, want True or False", word)
			}
		case "shape":
			if shape, err = p.tuple(); err != nil {
				return "", false, nil, err
			}
		default:
			return "", false, nil, fmt.Errorf("unexpected key %q (want 'descr', 'fortran_order' and 'shape')", key)
		}
		p.skipSpace()
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
		default:
			return "", false, nil, p.errorf("want ',' or '}'")
		}
	}
	for _, key := range []string{"descr", "fortran_order", "shape"} {
		if !seen[key] {
			return "", false, nil, fmt.Errorf("key %q is missing", key)
		}
	}
	p.skipSpace()
	if p.pos != len(p.s) {
		return "", false, nil, p.errorf("unexpected text after the dict")
	}
	return descr, fortran, shape, nil
}

// quoteHeader quotes a header for an error message, shortened if long.
func quoteHeader(dict []byte) string {
	dict = bytes.TrimRight(dict, " \n")
	const limit = 200
	if len(dict) > limit {
		return strconv.Quote(string(dict[:limit])) + "..."
	}
	return strconv.Quote(string(dict))
}

// dictParser walks the header dict; pos is the offset of the next unread byte.
type dictParser struct {
	s   []byte
	pos int
}

func (p *dictParser) errorf(format string, args ...any) error {
	if p.pos >= len(p.s) {
		return fmt.Errorf(format+" at the end", args...)
	}
	return fmt.Errorf(format+" at offset %d, found %q", append(args, p.pos, p.s[p.pos])...)
}

// peek returns the next byte, or 0 at the end.
func (p *dictParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

// skipSpace skips what Python's tokenizer skips between tokens in a one-line literal.
func (p *dictParser) skipSpace() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\r\n\f", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *dictParser) expect(c byte) error {
	p.skipSpace()
	if p.peek() != c {
		return p.errorf("want %q", c)
	}
	p.pos++
	return nil
}

// str reads a quoted string without escapes (no key or supported descr has one).
func (p *dictParser) str() (string, error) {
	p.skipSpace()
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.errorf("want a quoted string")
	}
	start := p.pos + 1
	end := bytes.IndexByte(p.s[start:], q)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	s := p.s[start : start+end]
	if bytes.IndexByte(s, '\\') >= 0 {
		return "", p.errorf("escapes in strings are not read")
	}
	p.pos = start + end + 1
	return string(s), nil
}

// word reads a run of ASCII letters (True or False).
func (p *dictParser) word() string {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.s) && ('a' <= p.s[p.pos] && p.s[p.pos] <= 'z' || 'A' <= p.s[p.pos] && p.s[p.pos] <= 'Z') {
		p.pos++
	}
	return string(p.s[start:p.pos])
}

// tuple reads a Python tuple of integers: "()", "(3,)", "(2, 3)" or "(2, 3,)". A single
// integer in parentheses without a comma is not a tuple in Python, and is refused here too.
func (p *dictParser) tuple() ([]int, error) {
	if err := p.expect('('); err != nil {
		return nil, err
	}
	shape := []int{}
	commas := 0
	for {
		p.skipSpace()
		if p.peek() == ')' {
			p.pos++
			break
		}
		if len(shape) > commas {
			return nil, p.errorf("want ',' or ')' in shape")
		}
		if len(shape) == maxDims {
			return nil, fmt.Errorf("shape has more than %d dimensions", maxDims)
		}
		d, err := p.integer()
		if err != nil {
			return nil, err
		}
		shape = append(shape, d)
		p.skipSpace()
		if p.peek() == ',' {
			p.pos++
			commas++
		}
	}
	if len(shape) == 1 && commas == 0 {
		return nil, fmt.Errorf("shape (%d) is not a tuple (a 1-D shape is written (%d,))", shape[0], shape[0])
	}
	return shape, nil
}

// integer reads a decimal integer, with an optional minus sign (so that a negative dimension
// gets its own error message) and Python 2's 'L' suffix.
func (p *dictParser) integer() (int, error) {
	start := p.pos
	if p.peek() == '-' {
		p.pos++
	}
	digits := p.pos
	for p.pos < len(p.s) && '0' <= p.s[p.pos] && p.s[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == digits {
		p.pos = start
		return 0, p.errorf("want an integer")
	}
	text := string(p.s[start:p.pos])
	if p.peek() == 'L' {
		p.pos++
	}
	v, err := strconv.ParseInt(text, 10, 64)
	if err != nil || v > math.MaxInt || v < math.MinInt {
		return 0, fmt.Errorf("dimension %s is out of range", text)
	}
	return int(v), nil
}

// shapeString writes a shape as Python's repr of a tuple does: (), (3,), (2, 3).
func shapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// formatHeader returns the header np.save (numpy 1.24) writes for a C-order '<f4' array of
// the given shape. With at most maxDims dimensions it always fits a version 1.0 header.
func formatHeader(shape []int) []byte {
	dict := "{'descr': '<f4', 'fortran_order': False, 'shape': " + shapeString(shape) + ", }"
	if len(shape) > 0 {
		dict += strings.Repeat(" ", max(0, growthPadding-len(strconv.Itoa(shape[0]))))
	}
	// The dict, then spaces and a newline up to the next multiple of headerAlign; numpy pads
	// with 1 to headerAlign spaces, never 0.
	const prefixLen = len(magic) + 2 + 2
	pad := headerAlign - (prefixLen+len(dict)+1)%headerAlign
	out := make([]byte, 0, prefixLen+len(dict)+pad+1)
	out = append(out, magic...)
	out = append(out, 1, 0)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(dict)+pad+1))
	out = append(out, dict...)
	out = append(out, bytes.Repeat([]byte{' '}, pad)...)
	return append(out, '\n')
}

// isEOF reports whether err means the input ended early.
func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

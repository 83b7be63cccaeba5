package callbacks

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Python's str.format, the subset ModelCheckpoint's file names use
// ("ckpt-{epoch:02d}-{val_loss:.2f}.npz"), and the float formatting of Keras's messages.
//
// A template holds literal text, "{{" and "}}" for braces, and fields "{name}" or
// "{name:spec}", spec being Python's [[fill]align][sign][0][width][,|_][.precision][type]
// with type one of d (integers only), e, E, f, F, g, G, % or none. Attribute and index
// lookups, conversions (!r) and nested fields are refused.

// template is a parsed format string.
type template struct {
	text  string
	parts []templatePart
}

type templatePart struct {
	literal string
	field   string // "" for a literal
	spec    formatSpec
}

// pyValue is a Python int (epoch, batch) or float (a log value).
type pyValue struct {
	isInt bool
	i     int
	f     float64
}

func parseTemplate(s string) (*template, error) {
	t := &template{text: s}
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '{' && i+1 < len(s) && s[i+1] == '{', c == '}' && i+1 < len(s) && s[i+1] == '}':
			lit.WriteByte(c)
			i++
		case c == '}':
			return nil, fmt.Errorf("single '}' at offset %d (write '}}' for a brace)", i)
		case c == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("'{' at offset %d is not closed", i)
			}
			body := s[i+1 : i+end]
			if strings.ContainsRune(body, '{') {
				return nil, fmt.Errorf("nested field in %q is not supported", "{"+body+"}")
			}
			name, spec, _ := strings.Cut(body, ":")
			if name == "" {
				return nil, fmt.Errorf("field %q has no name (positional fields are not supported)", "{"+body+"}")
			}
			if strings.ContainsAny(name, ".[!") {
				return nil, fmt.Errorf("field %q: attributes, indices and conversions are not supported", "{"+body+"}")
			}
			fs, err := parseSpec(spec)
			if err != nil {
				return nil, fmt.Errorf("field %q: %w", "{"+body+"}", err)
			}
			if lit.Len() > 0 {
				t.parts = append(t.parts, templatePart{literal: lit.String()})
				lit.Reset()
			}
			t.parts = append(t.parts, templatePart{field: name, spec: fs})
			i += end
		default:
			lit.WriteByte(c)
		}
	}
	if lit.Len() > 0 {
		t.parts = append(t.parts, templatePart{literal: lit.String()})
	}
	return t, nil
}

// fields lists the names the template uses.
func (t *template) fields() []string {
	var names []string
	for _, p := range t.parts {
		if p.field != "" {
			names = append(names, p.field)
		}
	}
	return names
}

// suffix is the template's literal ending ("" when it ends in a field).
func (t *template) suffix() string {
	if len(t.parts) == 0 || t.parts[len(t.parts)-1].field != "" {
		return ""
	}
	return t.parts[len(t.parts)-1].literal
}

// format fills the template; a missing name is an error listing the names there are.
func (t *template) format(values map[string]pyValue) (string, error) {
	var b strings.Builder
	for _, p := range t.parts {
		if p.field == "" {
			b.WriteString(p.literal)
			continue
		}
		v, ok := values[p.field]
		if !ok {
			names := make([]string, 0, len(values))
			for k := range values {
				names = append(names, k)
			}
			return "", fmt.Errorf("no value %q (have %s)", p.field, strings.Join(sortStrings(names), ", "))
		}
		s, err := p.spec.format(v)
		if err != nil {
			return "", fmt.Errorf("field %q: %w", p.field, err)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// formatSpec is a parsed Python format spec.
type formatSpec struct {
	fill      rune
	align     byte // 0, '<', '>', '^', '='
	sign      byte // 0, '+', '-', ' '
	width     int
	grouping  byte // 0, ',', '_'
	precision int  // -1: none
	verb      byte // 0 (none), 'd', 'e', 'E', 'f', 'F', 'g', 'G', '%'
}

func parseSpec(s string) (formatSpec, error) {
	fs := formatSpec{fill: ' ', precision: -1}
	orig := s
	isAlign := func(c byte) bool { return c == '<' || c == '>' || c == '^' || c == '=' }
	if r := []rune(s); len(r) >= 2 && r[1] < 128 && isAlign(byte(r[1])) {
		fs.fill, fs.align = r[0], byte(r[1])
		s = string(r[2:])
	} else if len(s) >= 1 && isAlign(s[0]) {
		fs.align = s[0]
		s = s[1:]
	}
	if len(s) > 0 && (s[0] == '+' || s[0] == '-' || s[0] == ' ') {
		fs.sign = s[0]
		s = s[1:]
	}
	if len(s) > 0 && s[0] == '0' {
		if fs.align == 0 {
			fs.fill, fs.align = '0', '='
		}
		s = s[1:]
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i > 0 {
		fs.width, _ = strconv.Atoi(s[:i])
		s = s[i:]
	}
	if len(s) > 0 && (s[0] == ',' || s[0] == '_') {
		fs.grouping = s[0]
		s = s[1:]
	}
	if len(s) > 0 && s[0] == '.' {
		i = 1
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 1 {
			return fs, fmt.Errorf("format spec %q: '.' without a precision", orig)
		}
		fs.precision, _ = strconv.Atoi(s[1:i])
		s = s[i:]
	}
	if len(s) == 1 && strings.IndexByte("deEfFgG%", s[0]) >= 0 {
		fs.verb = s[0]
		s = ""
	}
	if s != "" {
		return fs, fmt.Errorf("format spec %q: unsupported or invalid (supported: [[fill]align][sign][0][width][,|_][.precision][d|e|E|f|F|g|G|%%])", orig)
	}
	if fs.verb == 'd' && fs.precision >= 0 {
		return fs, fmt.Errorf("format spec %q: precision not allowed in integer format specifier", orig)
	}
	return fs, nil
}

// format formats v as Python's format(v, spec) does.
func (fs formatSpec) format(v pyValue) (string, error) {
	var body string
	negative := false
	switch {
	case v.isInt && (fs.verb == 0 || fs.verb == 'd'):
		negative = v.i < 0
		body = group(strconv.FormatInt(int64(abs(v.i)), 10), fs.grouping)
	case fs.verb == 'd':
		return "", fmt.Errorf("unknown format code 'd' for a float value (Python raises ValueError)")
	default:
		f := v.f
		if v.isInt {
			f = float64(v.i)
		}
		negative = math.Signbit(f) && !math.IsNaN(f)
		body = fs.formatFloat(math.Abs(f), v.isInt)
	}
	sign := ""
	switch {
	case negative:
		sign = "-"
	case fs.sign == '+':
		sign = "+"
	case fs.sign == ' ':
		sign = " "
	}
	pad := fs.width - len([]rune(sign+body))
	if pad <= 0 {
		return sign + body, nil
	}
	fill := strings.Repeat(string(fs.fill), pad)
	switch fs.align {
	case '<':
		return sign + body + fill, nil
	case '^':
		left := strings.Repeat(string(fs.fill), pad/2)
		return left + sign + body + strings.Repeat(string(fs.fill), pad-pad/2), nil
	case '=':
		return sign + fill + body, nil
	default:
		return fill + sign + body, nil
	}
}

// formatFloat formats a non-negative (or NaN) float by the spec's type.
func (fs formatSpec) formatFloat(f float64, fromInt bool) string {
	upper := fs.verb == 'E' || fs.verb == 'F' || fs.verb == 'G'
	special := ""
	switch {
	case math.IsNaN(f):
		special = "nan"
	case math.IsInf(f, 0):
		special = "inf"
	}
	if special != "" {
		if fs.verb == '%' {
			special += "%"
		}
		if upper {
			special = strings.ToUpper(special)
		}
		return special
	}
	p := fs.precision
	var s string
	switch fs.verb {
	case 'f', 'F':
		s = strconv.FormatFloat(f, 'f', defaultPrecision(p), 64)
	case 'e', 'E':
		s = strconv.FormatFloat(f, 'e', defaultPrecision(p), 64)
	case 'g', 'G':
		if p == 0 {
			p = 1
		}
		s = strconv.FormatFloat(f, 'g', defaultPrecision(p), 64)
	case '%':
		s = strconv.FormatFloat(f*100, 'f', defaultPrecision(p), 64) + "%"
	default: // no type
		switch {
		case fromInt:
			s = strconv.FormatFloat(f, 'f', 0, 64)
		case p < 0:
			s = pyRepr(f)
		default:
			s = reprPrecision(f, max(p, 1))
		}
	}
	if upper {
		s = strings.ToUpper(s)
	}
	if fs.grouping != 0 {
		intPart, rest := s, ""
		if i := strings.IndexAny(s, ".e%"); i >= 0 {
			intPart, rest = s[:i], s[i:]
		}
		s = group(intPart, fs.grouping) + rest
	}
	return s
}

func defaultPrecision(p int) int {
	if p < 0 {
		return 6
	}
	return p
}

// reprPrecision is format(f, ".<p>") for a float: 'g' with p significant digits, except that
// the switch to exponent notation comes at exponent p−1 and fixed notation keeps ".0".
func reprPrecision(f float64, p int) string {
	e := strconv.FormatFloat(f, 'e', p-1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= p-1 {
		mant, expPart, _ := strings.Cut(e, "e")
		if strings.Contains(mant, ".") {
			mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
		}
		return mant + "e" + expPart
	}
	s := strconv.FormatFloat(f, 'f', max(p-1-exp, 0), 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		if strings.HasSuffix(s, ".") {
			s += "0"
		}
	} else {
		s += ".0"
	}
	return s
}

// group inserts sep every three digits from the right.
func group(digits string, sep byte) string {
	if sep == 0 || len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	first := len(digits) % 3
	if first > 0 {
		b.WriteString(digits[:first])
	}
	for i := first; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(sep)
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// pyRepr formats f as Python's repr(f) (and str(f)): the shortest digits that read back
// as f, in fixed notation for exponents from −4 to 15 (with ".0" on integers), else in
// exponent notation with at least two exponent digits: 0.0001, 1e-05, 0.00010000000474974513,
// 1e+16, nan, inf.
func pyRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// pyFormat is Python's format(f, spec) for a float, for messages: pyFormat(inf, ".5f") is
// "inf".
func pyFormat(f float64, spec string) string {
	fs, err := parseSpec(spec)
	if err != nil {
		panic(err) // specs are constants of this package
	}
	s, err := fs.format(pyValue{f: f})
	if err != nil {
		panic(err)
	}
	return s
}

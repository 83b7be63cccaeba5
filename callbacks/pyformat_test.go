package callbacks

import (
	"math"
	"strings"
	"testing"
)

// TestFormatSpec compares with Python 3.11's format(value, spec) (the expected strings were
// printed by /usr/bin/python3).
func TestFormatSpec(t *testing.T) {
	for _, c := range []struct {
		isInt bool
		v     float64
		spec  string
		want  string
	}{
		{true, 3, "02d", "03"},
		{true, 3, "", "3"},
		{true, 12345, ",", "12,345"},
		{true, -7, "+d", "-7"},
		{true, 7, " d", " 7"},
		{true, 3, ".2f", "3.00"},
		{true, 5, ">4", "   5"},
		{true, 5, "<4", "5   "},
		{true, 5, "^5", "  5  "},
		{true, -5, "=6", "-    5"},
		{true, 5, "x<4", "5xxx"},
		{false, 0.5678, ".2f", "0.57"},
		{false, 0.5678, "", "0.5678"},
		{false, 1e-05, "", "1e-05"},
		{false, 1e+16, "", "1e+16"},
		{false, 123.0, "", "123.0"},
		{false, math.Copysign(0, -1), ".2f", "-0.00"},
		{false, math.Inf(1), ".5f", "inf"},
		{false, math.Inf(-1), ".5f", "-inf"},
		{false, math.NaN(), ".2f", "nan"},
		{false, math.Inf(1), "E", "INF"},
		{false, 1234.5, "+.3e", "+1.234e+03"},
		{false, 2.0, "08.3f", "0002.000"},
		{false, 0.000123456, ".1%", "0.0%"},
		{false, 2.0, "g", "2"},
		{false, 1e-05, "g", "1e-05"},
		{false, 123456789.0, "g", "1.23457e+08"},
		{false, 100000.0, "g", "100000"},
		{false, 1000000.0, "g", "1e+06"},
		{false, 0.0001, ".2g", "0.0001"},
		{false, 1234567.891, ",.2f", "1,234,567.89"},
		{false, 1234567.891, "_.1f", "1_234_567.9"},
		{false, 123.0, ".3", "1.23e+02"},
		{false, 12.0, ".3", "12.0"},
		{false, 0.5, ".3", "0.5"},
		{false, 99.99, ".3", "1e+02"},
		{false, 1e-05, ".3", "1e-05"},
		{false, 2.5, "G", "2.5"},
		{false, 1e+20, ".3G", "1E+20"},
		{false, 0.1, "e", "1.000000e-01"},
		{false, 0.25, "%", "25.000000%"},
		{false, 12.5, "010.2f", "0000012.50"},
		{false, -12.5, "010.2f", "-000012.50"},
		{false, 12.5, "*^11.2f", "***12.50***"},
		{false, math.NaN(), "F", "NAN"},
	} {
		fs, err := parseSpec(c.spec)
		if err != nil {
			t.Errorf("parseSpec(%q): %v", c.spec, err)
			continue
		}
		v := pyValue{f: c.v}
		if c.isInt {
			v = pyValue{isInt: true, i: int(c.v)}
		}
		got, err := fs.format(v)
		if err != nil || got != c.want {
			t.Errorf("format(%v, %q) = %q, %v; Python gives %q", c.v, c.spec, got, err, c.want)
		}
	}
}

// TestPyRepr compares with Python's repr of the same floats.
func TestPyRepr(t *testing.T) {
	for v, want := range map[float64]string{
		0.0001:                 "0.0001",
		1e-05:                  "1e-05",
		0.00010000000474974513: "0.00010000000474974513",
		1.0000000474974514e-05: "1.0000000474974514e-05",
		123456789.0:            "123456789.0",
		1e16:                   "1e+16",
		1234567890123456.0:     "1234567890123456.0",
		1.0 / 3:                "0.3333333333333333",
		-2.5:                   "-2.5",
		math.Inf(1):            "inf",
		math.Inf(-1):           "-inf",
	} {
		if got := pyRepr(v); got != want {
			t.Errorf("pyRepr(%v) = %q, Python %q", v, got, want)
		}
	}
	if got := pyRepr(math.NaN()); got != "nan" {
		t.Errorf("pyRepr(NaN) = %q", got)
	}
}

func TestTemplate(t *testing.T) {
	tmpl, err := parseTemplate("ckpt-{epoch:02d}-{val_loss:.2f}{{x}}.npz")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tmpl.fields(), ","); got != "epoch,val_loss" {
		t.Errorf("fields %q", got)
	}
	if tmpl.suffix() != "{x}.npz" {
		t.Errorf("suffix %q", tmpl.suffix())
	}
	got, err := tmpl.format(map[string]pyValue{"epoch": {isInt: true, i: 3}, "val_loss": {f: 0.5678}})
	if err != nil || got != "ckpt-03-0.57{x}.npz" {
		t.Errorf("format = %q, %v", got, err)
	}
	_, err = tmpl.format(map[string]pyValue{"epoch": {isInt: true, i: 3}, "loss": {f: 1}})
	if err == nil || err.Error() != `no value "val_loss" (have epoch, loss)` {
		t.Errorf("missing value: %v", err)
	}
	bad, _ := parseTemplate("{loss:d}")
	if _, err := bad.format(map[string]pyValue{"loss": {f: 1}}); err == nil || !strings.Contains(err.Error(), "unknown format code 'd' for a float value") {
		t.Errorf("float with d: %v", err)
	}
	for s, want := range map[string]string{
		"a}b":         "single '}' at offset 1 (write '}}' for a brace)",
		"a{b":         "'{' at offset 1 is not closed",
		"{}":          `field "{}" has no name (positional fields are not supported)`,
		"{:02d}":      `field "{:02d}" has no name`,
		"{a.b}":       `field "{a.b}": attributes, indices and conversions are not supported`,
		"{a!r}":       `field "{a!r}": attributes, indices and conversions are not supported`,
		"{a:{b}}":     `nested field in "{a:{b}" is not supported`,
		"{epoch:02q}": `field "{epoch:02q}": format spec "02q": unsupported or invalid`,
		"{epoch:.d}":  `format spec ".d": '.' without a precision`,
		"{epoch:.2d}": `format spec ".2d": precision not allowed in integer format specifier`,
		"{epoch:#x}":  `format spec "#x": unsupported or invalid`,
	} {
		_, err := parseTemplate(s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseTemplate(%q): %v, want %q", s, err, want)
		}
	}
}

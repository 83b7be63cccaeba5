package npy

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"codeberg.org/sbinet/npyio"
	"codeberg.org/sbinet/npyio/npz"
)

// The tests in this file hold this package to codeberg.org/sbinet/npyio, an independent
// implementation of the format (see doc.go for why it does not do the reading here): each
// must read what the other writes.

func TestNpyioReadsOurFiles(t *testing.T) {
	a := Array{Shape: []int{2, 3, 4}, Data: seq(24, func(i int) float32 { return float32(i) / 7 })}
	var buf bytes.Buffer
	if err := Write(&buf, a); err != nil {
		t.Fatal(err)
	}
	r, err := npyio.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	// npyio keeps the descr's Python quotes.
	if r.Header.Descr.Type != "'<f4'" || r.Header.Descr.Fortran || !slices.Equal(r.Header.Descr.Shape, a.Shape) {
		t.Errorf("npyio reads the header as %v", r.Header)
	}
	var data []float32
	if err := r.Read(&data); err != nil {
		t.Fatal(err)
	}
	if !sameBits(data, a.Data) {
		t.Errorf("npyio reads %v, want %v", data, a.Data)
	}

	keys := []string{"dense/kernel", "dense/bias"}
	arrays := []Array{a, {Shape: []int{3}, Data: []float32{1, 2, 3}}}
	path := t.TempDir() + "/w.npz"
	if err := WriteNPZ(path, keys, arrays); err != nil {
		t.Fatal(err)
	}
	z, err := npz.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if got := z.Keys(); !slices.Equal(got, []string{"dense/kernel.npy", "dense/bias.npy"}) {
		t.Errorf("npyio lists the entries %q", got)
	}
	for i, key := range keys {
		var data []float32
		if err := z.Read(key+".npy", &data); err != nil {
			t.Fatal(err)
		}
		if !sameBits(data, arrays[i].Data) {
			t.Errorf("npyio reads %s as %v, want %v", key, data, arrays[i].Data)
		}
	}
}

func TestReadNpyioFiles(t *testing.T) {
	// npyio writes version 2.0 headers with its own padding, a different writer's habits.
	tests := []struct {
		name  string
		value any
		want  Array
	}{
		{"[]float32", []float32{1.5, -2, 3}, Array{[]int{3}, []float32{1.5, -2, 3}, Float32}},
		{"[2][3]float32", [2][3]float32{{1, 2, 3}, {4, 5, 6}}, Array{[]int{2, 3}, []float32{1, 2, 3, 4, 5, 6}, Float32}},
		{"[]float64", []float64{0.1, 1e300}, Array{[]int{2}, []float32{0.1, float32(math.Inf(1))}, Float64}}, // rounding overflows to +Inf, as numpy's astype does
		{"[]int64", []int64{-1, 7}, Array{[]int{2}, []float32{-1, 7}, Int64}},
		{"[]uint8", []uint8{0, 255}, Array{[]int{2}, []float32{0, 255}, Uint8}},
		{"float32", float32(4.5), Array{[]int{}, []float32{4.5}, Float32}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := npyio.Write(&buf, tt.value); err != nil {
				t.Fatal(err)
			}
			got, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), tt.name)
			if err != nil {
				t.Fatal(err)
			}
			checkArray(t, got, tt.want)
		})
	}

	var buf bytes.Buffer
	zw := npz.NewWriter(&buf)
	if err := zw.Write("dense/kernel.npy", []float32{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := zw.Write("labels.npy", []int32{3, 4, 5}); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	all, err := readNPZBytes(buf.Bytes(), "npyio.npz")
	if err != nil {
		t.Fatal(err)
	}
	checkArray(t, all["dense/kernel"], Array{[]int{2}, []float32{1, 2}, Float32})
	checkArray(t, all["labels"], Array{[]int{3}, []float32{3, 4, 5}, Int32})
}

package npy

import (
	"bytes"
	"io"
	"testing"
)

// benchArray is a 4 MiB float32 array, the size of a mid-sized Conv2D kernel (3, 3, 256, 448).
var benchArray = Array{Shape: []int{3, 3, 256, 448}, Data: seq(3*3*256*448, func(i int) float32 { return float32(i) })}

func BenchmarkWrite(b *testing.B) {
	b.SetBytes(int64(4 * len(benchArray.Data)))
	for b.Loop() {
		if err := Write(io.Discard, benchArray); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	if err := Write(&buf, benchArray); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := Read(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

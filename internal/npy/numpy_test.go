package npy

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// numpyPython returns a Python interpreter that can import numpy, or skips the test.
func numpyPython(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(name)
		if err == nil && exec.Command(path, "-c", "import numpy").Run() == nil {
			return path
		}
	}
	t.Skip("no python3 with numpy here (Debian: apt-get install python3-numpy)")
	return ""
}

// numpyCheck loads what TestNumpyReadsOurFiles writes and checks it against the same formulas.
const numpyCheck = `
import sys
import numpy as np

a = np.load(sys.argv[1])
assert a.dtype == np.dtype("<f4") and a.shape == (2, 3, 4), (a.dtype, a.shape)
assert a.flags.c_contiguous
assert np.array_equal(a, (np.arange(24, dtype="f4") / np.float32(7)).reshape(2, 3, 4))

s = np.load(sys.argv[2])
assert s.shape == () and s == np.float32(-2.5), s

with np.load(sys.argv[3]) as z:
    assert list(z.keys()) == ["dense/kernel", "dense/bias", "iterations"], list(z.keys())
    assert np.array_equal(z["dense/kernel"], np.arange(6, dtype="f4").reshape(3, 2) - np.float32(1.5))
    assert z["dense/bias"].shape == (0,)
    assert z["iterations"] == 1000
print("ok")
`

// TestNumpyReadsOurFiles has numpy load files written by Write and WriteNPZ.
func TestNumpyReadsOurFiles(t *testing.T) {
	python := numpyPython(t)
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "a.npy"), filepath.Join(dir, "scalar.npy"), filepath.Join(dir, "w.npz")}
	if err := WriteFile(paths[0], Array{Shape: []int{2, 3, 4}, Data: seq(24, func(i int) float32 { return float32(i) / 7 })}); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(paths[1], Array{Shape: []int{}, Data: []float32{-2.5}}); err != nil {
		t.Fatal(err)
	}
	err := WriteNPZ(paths[2], []string{"dense/kernel", "dense/bias", "iterations"}, []Array{
		{Shape: []int{3, 2}, Data: seq(6, func(i int) float32 { return float32(i) - 1.5 })},
		{Shape: []int{0}, Data: []float32{}},
		{Shape: []int{}, Data: []float32{1000}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, append([]string{"-c", numpyCheck}, paths...)...).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("numpy could not read the files back: %v\n%s", err, out)
	}
}

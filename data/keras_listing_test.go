package data

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

var kerasTree = flag.String("keras-tree", "", "TestWriteKerasTree writes the test tree under this folder")

// TestWriteKerasTree writes the test tree for testdata/keras/keras_listing.py (run by
// testdata/keras/make_fixtures.sh); it does nothing without -keras-tree.
func TestWriteKerasTree(t *testing.T) {
	if *kerasTree == "" {
		t.Skip("no -keras-tree")
	}
	writeTestTree(t, *kerasTree)
}

type kerasListing struct {
	Config struct {
		Name        string   `json:"name"`
		Subset      *string  `json:"subset"`
		FollowLinks bool     `json:"follow_links"`
		Classes     []string `json:"classes"`
	} `json:"config"`
	ClassIndices map[string]int `json:"class_indices"`
	Filenames    []string       `json:"filenames"`
	Classes      []int          `json:"classes"`
	Batches      []struct {
		Size      int   `json:"size"`
		Labels    []int `json:"labels"`
		PixelSums []int `json:"pixel_sums"`
	} `json:"batches"`
}

// checkAgainstKeras compares FlowFromDirectory on the test tree with Keras's listings; pixel
// sums of lossless files must be equal. With lossyToo, JPEG files are compared too (only valid
// when Keras read the very same files, since Go's JPEG encoder may change between Go
// versions), each of the image's values within jpegTolerance of PIL's, so its sum within
// jpegTolerance × values.
func checkAgainstKeras(t *testing.T, dir string, listings []kerasListing, lossyToo bool) {
	t.Helper()
	var worstJPEG float64 // largest |Δ pixel sum| of a JPEG, per value
	if len(listings) != 5 {
		t.Fatalf("%d listings", len(listings))
	}
	for _, want := range listings {
		name := want.Config.Name
		cfg := FlowConfig{TargetSize: [2]int{12, 10}, NoShuffle: true, FollowLinks: want.Config.FollowLinks,
			Classes: want.Config.Classes, Extensions: KerasExtensions, Log: io.Discard, Workers: 3}
		if s := want.Config.Subset; s != nil {
			cfg.Subset = map[string]Subset{"training": SubsetTraining, "validation": SubsetValidation}[*s]
		}
		g := &ImageDataGenerator{ValidationSplit: 0.3}
		it, err := g.FlowFromDirectory(dir, cfg)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := it.ClassIndices(); !mapsEqual(got, want.ClassIndices) {
			t.Errorf("%s: ClassIndices %v, Keras %v", name, got, want.ClassIndices)
		}
		if got := it.Filenames(); !slices.Equal(got, want.Filenames) {
			t.Errorf("%s: %d Filenames, Keras %d; first difference %s", name, len(got), len(want.Filenames), firstDifference(got, want.Filenames))
		}
		if got := it.Classes(); !slices.Equal(got, want.Classes) {
			t.Errorf("%s: Classes differ from Keras's", name)
		}
		if it.Len() != len(want.Batches) {
			t.Fatalf("%s: %d batches, Keras %d", name, it.Len(), len(want.Batches))
		}
		for i, wb := range want.Batches {
			b, err := it.Batch(context.Background(), i)
			if err != nil {
				t.Fatalf("%s: batch %d: %v", name, i, err)
			}
			y := b.Y.Data().([]float32)
			x := b.X[0].Data().([]float32)
			k := len(want.ClassIndices)
			if b.Size() != wb.Size {
				t.Fatalf("%s: batch %d has %d images, Keras %d", name, i, b.Size(), wb.Size)
			}
			per := len(x) / b.Size()
			for s := range b.Size() {
				label := slices.Index(y[s*k:(s+1)*k], 1)
				if label != wb.Labels[s] {
					t.Errorf("%s: batch %d image %d: label %d, Keras %d", name, i, s, label, wb.Labels[s])
				}
				file := it.Filenames()[i*32+s]
				tol := 0.0
				if isJPEGName(file) {
					if !lossyToo {
						continue
					}
					tol = jpegTolerance * float64(per)
				}
				var sum float64
				for _, v := range x[s*per : (s+1)*per] {
					sum += float64(v)
				}
				d := math.Abs(sum - float64(wb.PixelSums[s]))
				if d > tol {
					t.Errorf("%s: %s: pixel sum %v, Keras %d (tolerance %v)", name, file, sum, wb.PixelSums[s], tol)
				}
				if isJPEGName(file) {
					worstJPEG = max(worstJPEG, d/float64(per))
				}
			}
		}
	}
	if lossyToo {
		t.Logf("JPEG: largest pixel-sum difference %.3f levels per value (tolerance %d)", worstJPEG, jpegTolerance)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func firstDifference(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return "at " + a[i] + " / Keras " + b[i]
		}
	}
	return "in length"
}

// TestFlowFromDirectoryMatchesKeras compares with testdata/keras/listing.json, recorded from
// Keras on the same tree (see testdata/keras/README.md).
func TestFlowFromDirectoryMatchesKeras(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "keras", "listing.json"))
	if err != nil {
		t.Fatal(err)
	}
	var listings []kerasListing
	if err := json.Unmarshal(b, &listings); err != nil {
		t.Fatal(err)
	}
	checkAgainstKeras(t, writeTestTree(t, t.TempDir()), listings, false)
}

// TestFlowFromDirectoryMatchesLiveKeras runs Keras itself on a fresh tree when Debian's
// python3-keras-preprocessing is installed (skipped otherwise, and with -short).
func TestFlowFromDirectoryMatchesLiveKeras(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	if err := exec.Command("/usr/bin/python3", "-c", "import keras_preprocessing, PIL, scipy").Run(); err != nil {
		t.Skip("/usr/bin/python3 lacks keras_preprocessing/PIL/scipy (Debian: python3-keras-preprocessing python3-pil python3-scipy)")
	}
	root := t.TempDir()
	dir := writeTestTree(t, root)
	out := filepath.Join(root, "listing.json")
	cmd := exec.Command("/usr/bin/python3", filepath.Join("testdata", "keras", "keras_listing.py"), dir, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("keras_listing.py: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var listings []kerasListing
	if err := json.Unmarshal(b, &listings); err != nil {
		t.Fatal(err)
	}
	checkAgainstKeras(t, dir, listings, true)
}

package data

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/org/gotl/nn"
)

var (
	_ nn.Dataset     = (*DirectoryIterator)(nil)
	_ nn.EpochSetter = (*DirectoryIterator)(nil)
	_ nn.Dataset     = (*ArrayIterator)(nil)
	_ nn.EpochSetter = (*ArrayIterator)(nil)
)

// smallTree writes classes × perClass PNG images of 6..20 pixels under a new folder.
func smallTree(t *testing.T, classes, perClass int) string {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(3, 4))
	for k := range classes {
		for i := range perClass {
			p := filepath.Join(dir, string(rune('a'+k)), string(rune('a'+i/26))+string(rune('a'+i%26))+".png")
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Dir(p), filepath.Base(p), encodeTestImage(t, p, testImage(r, 6+r.IntN(15), 6+r.IntN(15), false)))
		}
	}
	return dir
}

// sceneGenerator is the augmentation of the scene-classification example.
func sceneGenerator() *ImageDataGenerator {
	return &ImageDataGenerator{
		Rescale: 1.0 / 255, WidthShiftRange: Shift(0.1), HeightShiftRange: Shift(0.1),
		ZoomRange: Zoom(0.1), HorizontalFlip: true, ValidationSplit: 0.3,
		RotationRange: 10, BrightnessRange: [2]float64{0.8, 1.2}, ChannelShiftRange: 5,
	}
}

// readAll returns every batch of epochs 0 and 1, copied.
func readAll(t *testing.T, d interface {
	nn.Dataset
	nn.EpochSetter
}) [][]float32 {
	t.Helper()
	var out [][]float32
	for epoch := range 2 {
		d.SetEpoch(epoch)
		for i := range d.Len() {
			b, err := d.Batch(context.Background(), i)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, slices.Clone(b.X[0].Data().([]float32)), slices.Clone(b.Y.Data().([]float32)))
		}
	}
	return out
}

// TestSameSeedSameBatchesWhateverTheWorkers: images are functions of (seed, epoch, index).
func TestSameSeedSameBatchesWhateverTheWorkers(t *testing.T) {
	dir := smallTree(t, 3, 11)
	var ref [][]float32
	for _, workers := range []int{1, 2, 8} {
		for _, prefetch := range []int{1, 3} {
			it, err := sceneGenerator().FlowFromDirectory(dir, FlowConfig{TargetSize: [2]int{16, 12}, BatchSize: 5,
				Seed: 42, Subset: SubsetTraining, Workers: workers, Prefetch: prefetch, Log: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			got := readAll(t, it)
			it.Close()
			if ref == nil {
				ref = got
				continue
			}
			for i := range ref {
				if !slices.Equal(ref[i], got[i]) {
					t.Fatalf("workers %d prefetch %d: batch array %d differs from 1 worker", workers, prefetch, i)
				}
			}
		}
	}
	// Epochs differ, and a different seed gives different batches.
	if slices.Equal(ref[0], ref[len(ref)/2]) {
		t.Error("epochs 0 and 1 gave the same first batch")
	}
	it, _ := sceneGenerator().FlowFromDirectory(dir, FlowConfig{TargetSize: [2]int{16, 12}, BatchSize: 5, Seed: 43, Subset: SubsetTraining, Log: io.Discard})
	if other := readAll(t, it); slices.Equal(ref[0], other[0]) {
		t.Error("seeds 42 and 43 gave the same first batch")
	}
}

// TestRandomAccessAndReplay: asking for batches out of order, or again, gives the same data.
func TestRandomAccessAndReplay(t *testing.T) {
	dir := smallTree(t, 2, 10)
	it, err := sceneGenerator().FlowFromDirectory(dir, FlowConfig{TargetSize: [2]int{8, 8}, BatchSize: 3, Seed: 1, Log: io.Discard, Prefetch: 2})
	if err != nil {
		t.Fatal(err)
	}
	seq := readAll(t, it)
	it.SetEpoch(0)
	for _, i := range []int{5, 0, 6, 2, 2, 3} {
		b, err := it.Batch(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(b.X[0].Data().([]float32), seq[2*i]) {
			t.Fatalf("batch %d out of order differs", i)
		}
	}
	if _, err := it.Batch(context.Background(), it.Len()); err == nil {
		t.Error("batch Len(): no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := it.Batch(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestBatchesAndLabels(t *testing.T) {
	dir := smallTree(t, 3, 34) // 101 images: batches 32, 32, 32, 5
	for _, mode := range []ClassMode{ClassCategorical, ClassSparse, ClassBinary, ClassInput, ClassNone} {
		it, err := (&ImageDataGenerator{Rescale: 1.0 / 255}).FlowFromDirectory(dir, FlowConfig{TargetSize: [2]int{7, 9}, ClassMode: mode, Seed: 5, Log: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		if it.Samples() != 102 || it.Len() != 4 {
			t.Fatalf("%d samples, %d batches", it.Samples(), it.Len())
		}
		order := it.Order()
		seen := map[int]bool{}
		for i := range it.Len() {
			b, err := it.Batch(context.Background(), i)
			if err != nil {
				t.Fatal(err)
			}
			n := b.Size()
			if want := min(32, 102-32*i); n != want {
				t.Fatalf("batch %d has %d images, want %d", i, n, want)
			}
			if s := b.X[0].Shape(); !equalInts(s, []int{n, 7, 9, 3}) {
				t.Fatalf("x shape %v", s)
			}
			for _, v := range b.X[0].Data().([]float32) {
				if v < 0 || v > 1 {
					t.Fatalf("rescaled value %v", v)
				}
			}
			for s := range n {
				sample := order[32*i+s]
				seen[sample] = true
				class := it.Classes()[sample]
				switch mode {
				case ClassCategorical:
					if row := b.Y.Data().([]float32)[3*s : 3*s+3]; row[class] != 1 || row[0]+row[1]+row[2] != 1 {
						t.Fatalf("one-hot %v for class %d", row, class)
					}
				case ClassSparse, ClassBinary:
					if v := b.Y.Data().([]float32)[s]; v != float32(class) || !equalInts(b.Y.Shape(), []int{n}) {
						t.Fatalf("label %v shape %v for class %d", v, b.Y.Shape(), class)
					}
				case ClassInput:
					if !slices.Equal(b.Y.Data().([]float32), b.X[0].Data().([]float32)) {
						t.Fatal("input mode: Y != X")
					}
				case ClassNone:
					if b.Y != nil {
						t.Fatal("none mode: Y set")
					}
				}
			}
		}
		if len(seen) != 102 {
			t.Fatalf("%d distinct images in an epoch", len(seen))
		}
	}
}

// TestValidationSubsetIsNotAugmented: gotl's default, Keras's behaviour with AugmentValidation.
func TestValidationSubsetIsNotAugmented(t *testing.T) {
	dir := smallTree(t, 2, 10)
	plain := &ImageDataGenerator{Rescale: 1.0 / 255, ValidationSplit: 0.3}
	aug := sceneGenerator()
	first := func(g *ImageDataGenerator, subset Subset) []float32 {
		it, err := g.FlowFromDirectory(dir, FlowConfig{TargetSize: [2]int{10, 10}, Subset: subset, NoShuffle: true, Log: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		b, err := it.Batch(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Clone(b.X[0].Data().([]float32))
	}
	if !slices.Equal(first(plain, SubsetValidation), first(aug, SubsetValidation)) {
		t.Error("validation subset was augmented")
	}
	aug.AugmentValidation = true
	if slices.Equal(first(plain, SubsetValidation), first(aug, SubsetValidation)) {
		t.Error("AugmentValidation: validation subset was not augmented")
	}
	if slices.Equal(first(plain, SubsetTraining), first(aug, SubsetTraining)) {
		t.Error("training subset was not augmented")
	}
}

func TestRandomSplit(t *testing.T) {
	dir := smallTree(t, 2, 10)
	names := func(seed uint64, subset Subset) []string {
		g := &ImageDataGenerator{ValidationSplit: 0.3, RandomSplit: true, SplitSeed: seed}
		it, err := g.FlowFromDirectory(dir, FlowConfig{Subset: subset, Log: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		return it.Filenames()
	}
	val, train := names(1, SubsetValidation), names(1, SubsetTraining)
	if len(val) != 6 || len(train) != 14 {
		t.Fatalf("%d validation, %d training", len(val), len(train))
	}
	all := slices.Sorted(slices.Values(append(slices.Clone(val), train...)))
	if len(slices.Compact(all)) != 20 {
		t.Error("subsets overlap")
	}
	if slices.Equal(val, []string{"a/aa.png", "a/ab.png", "a/ac.png", "b/aa.png", "b/ab.png", "b/ac.png"}) {
		t.Error("random split took the first files")
	}
	if !slices.Equal(val, names(1, SubsetValidation)) || slices.Equal(val, names(2, SubsetValidation)) {
		t.Error("split is not a function of SplitSeed")
	}
}

// TestForPredictKeepsFileOrder: Keras's predict-on-a-shuffled-iterator pitfall, fixed.
func TestForPredictKeepsFileOrder(t *testing.T) {
	dir := smallTree(t, 3, 5)
	it, err := sceneGenerator().FlowFromDirectory(dir, FlowConfig{TargetSize: [2]int{8, 8}, BatchSize: 4, Seed: 9, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if o := it.Order(); slices.IsSorted(o) {
		t.Fatalf("training order %v is not shuffled", o)
	}
	p := it.ForPredict()
	if o := p.Order(); !slices.IsSorted(o) {
		t.Fatalf("predict order %v", o)
	}
	var labels []int
	for i := range p.Len() {
		b, err := p.Batch(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		y := b.Y.Data().([]float32)
		for s := range b.Size() {
			labels = append(labels, slices.Index(y[3*s:3*s+3], 1))
		}
	}
	if !slices.Equal(labels, p.Classes()) {
		t.Errorf("predict labels %v, Classes %v", labels, p.Classes())
	}
}

func TestFoundLine(t *testing.T) {
	dir := smallTree(t, 2, 3)
	var log bytes.Buffer
	if _, err := (&ImageDataGenerator{}).FlowFromDirectory(dir, FlowConfig{Log: &log}); err != nil {
		t.Fatal(err)
	}
	if got := log.String(); got != "Found 6 images belonging to 2 classes.\n" {
		t.Errorf("log %q", got)
	}
}

// hugePNG is a valid PNG header (with a correct CRC) claiming w × h pixels, and no pixel data.
func hugePNG(t *testing.T, w, h uint32) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	ihdr := b[8+8 : 8+8+13] // after the signature, length and "IHDR"
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	binary.BigEndian.PutUint32(b[8+8+13:], crc32.ChecksumIEEE(b[8+4:8+8+13]))
	return b
}

// TestBadImages: each bad file is an error naming it, or with SkipInvalid a counted skip.
func TestBadImages(t *testing.T) {
	good := encodeTestImage(t, "x.png", testImage(rand.New(rand.NewPCG(1, 1)), 9, 9, false))
	cases := []struct {
		name    string
		content []byte
		want    string
	}{
		{"zero.jpg", nil, "empty file"},
		{"truncated.png", good[:len(good)/2], "png: invalid format: not enough pixel data"},
		{"text.jpg", []byte("this is not a picture\n"), "not a supported image"},
		{"huge.png", hugePNG(t, 100000, 100000), "100000x100000 = 10000000000 pixels exceeds the limit of 100000000"},
		{"badjpeg.jpg", []byte("\xff\xd8\xff\xdb garbage"), "jpeg"},
		{"badppm.ppm", []byte("P6 4 4 255\nxx"), "unexpected EOF"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "k"), 0o755); err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			writeFile(t, filepath.Join(dir, "k"), "good"+string(rune('0'+i))+".png", good)
		}
		bad := writeFile(t, filepath.Join(dir, "k"), c.name, c.content)
		gen := &ImageDataGenerator{}
		it, err := gen.FlowFromDirectory(dir, FlowConfig{TargetSize: [2]int{4, 4}, NoShuffle: true, Log: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		_, err = it.Batch(context.Background(), 0)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: error %v, want it to contain %q and the path", c.name, err, c.want)
		}
		var log bytes.Buffer
		it, err = gen.FlowFromDirectory(dir, FlowConfig{TargetSize: [2]int{4, 4}, NoShuffle: true, SkipInvalid: true, Log: &log})
		if err != nil {
			t.Fatal(err)
		}
		b, err := it.Batch(context.Background(), 0)
		if err != nil {
			t.Fatalf("%s, SkipInvalid: %v", c.name, err)
		}
		if b.Size() != 3 || it.Skipped() != 1 || !strings.Contains(log.String(), bad) {
			t.Errorf("%s, SkipInvalid: batch of %d, %d skipped, log %q", c.name, b.Size(), it.Skipped(), log.String())
		}
	}
}

func TestDirectoryErrors(t *testing.T) {
	dir := smallTree(t, 2, 3)
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "empty"), "notes.txt", []byte("x"))
	gen := &ImageDataGenerator{}
	_, err := gen.FlowFromDirectory(dir, FlowConfig{Log: io.Discard})
	if err == nil || !strings.Contains(err.Error(), `class folder "empty" has no images`) {
		t.Errorf("empty class: %v", err)
	}
	it, err := gen.FlowFromDirectory(dir, FlowConfig{Log: io.Discard, AllowEmptyClasses: true})
	if err != nil || it.NumClasses() != 3 || it.Samples() != 6 {
		t.Errorf("AllowEmptyClasses: %v", err)
	}
	for _, c := range []struct {
		dir  string
		gen  ImageDataGenerator
		cfg  FlowConfig
		want string
	}{
		{t.TempDir(), ImageDataGenerator{}, FlowConfig{}, "no images: no class subfolders"},
		{filepath.Join(dir, "missing"), ImageDataGenerator{}, FlowConfig{}, "no such file or directory"},
		{dir, ImageDataGenerator{}, FlowConfig{Classes: []string{"a", "nope"}}, `class folder "nope" not found`},
		{dir, ImageDataGenerator{}, FlowConfig{Subset: SubsetTraining}, "Subset training needs a ValidationSplit"},
		{dir, ImageDataGenerator{ValidationSplit: 1.5}, FlowConfig{}, "ValidationSplit must be strictly between 0 and 1, got 1.5"},
		{dir, ImageDataGenerator{ZoomRange: [2]float64{1.2, 0.8}}, FlowConfig{}, "ZoomRange must be [lo, hi] with lo <= hi"},
		{dir, ImageDataGenerator{}, FlowConfig{BatchSize: -2}, "BatchSize must be >= 0"},
		{dir, ImageDataGenerator{}, FlowConfig{TargetSize: [2]int{0, 5}}, "TargetSize must be positive"},
		{dir, ImageDataGenerator{}, FlowConfig{ColorMode: 7}, "unknown ColorMode 7"},
		{dir, ImageDataGenerator{ValidationSplit: 0.1}, FlowConfig{Subset: SubsetValidation, AllowEmptyClasses: true}, "no images in 3 class folders (subset validation)"},
	} {
		c.cfg.Log = io.Discard
		if _, err := c.gen.FlowFromDirectory(c.dir, c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want it to contain %q", err, c.want)
		}
	}
}

func TestPixelLimitBeforeDecoding(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "big.png", encodeTestImage(t, "x.png", testImage(rand.New(rand.NewPCG(1, 1)), 30, 20, false)))
	if _, err := decodeImageFile(p, 599, nil); err == nil || !strings.Contains(err.Error(), "30x20 = 600 pixels exceeds the limit of 599") {
		t.Errorf("limit: %v", err)
	}
	if _, err := decodeImageFile(p, 600, nil); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

// TestWebP: webp files are listed by default (not by Keras) and decode, lossy and lossless.
func TestWebP(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"lossy.webp", "lossless-alpha.webp"} {
		b, err := os.ReadFile(filepath.Join("testdata", "keras", "pixels", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "k"), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "k"), name, b)
	}
	it, err := (&ImageDataGenerator{}).FlowFromDirectory(dir, FlowConfig{TargetSize: [2]int{6, 5}, ColorMode: ColorRGBA, NoShuffle: true, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	b, err := it.Batch(context.Background(), 0)
	if err != nil || b.Size() != 2 {
		t.Fatalf("batch: %v", err)
	}
	x := b.X[0].Data().([]float32)
	if x[3] != 128 || x[6*5*4+3] != 255 { // lossless-alpha.webp (first, sorted) has alpha 128
		t.Errorf("alpha %v, %v", x[3], x[6*5*4+3])
	}
	if _, err := (&ImageDataGenerator{}).FlowFromDirectory(dir, FlowConfig{Extensions: KerasExtensions, Log: io.Discard}); err == nil {
		t.Error("KerasExtensions listed webp files")
	}
}

// TestWorkersStopWhenUnreachable: an iterator that is dropped without Close does not leak its
// worker goroutines.
func TestWorkersStopWhenUnreachable(t *testing.T) {
	dir := smallTree(t, 2, 3)
	// Workers of earlier tests' iterators may still be stopping: count once they are gone.
	base := settledGoroutines()
	func() {
		it, err := sceneGenerator().FlowFromDirectory(dir, FlowConfig{TargetSize: [2]int{8, 8}, Workers: 6, Log: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := it.Batch(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
		x := newDense(make([]float32, 4*2*2*1), 4, 2, 2, 1)
		a, err := (&ImageDataGenerator{}).Flow(x, nil, FlowConfig{Workers: 5})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Batch(context.Background(), 0); err != nil {
			t.Fatal(err)
		}
		if n := runtime.NumGoroutine(); n < base+11 {
			t.Fatalf("%d goroutines, want at least %d", n, base+11)
		}
	}()
	for range 100 {
		runtime.GC()
		if runtime.NumGoroutine() <= base {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("%d goroutines left, %d before", runtime.NumGoroutine(), base)
}

// settledGoroutines is runtime.NumGoroutine once it has stopped falling (at most a second).
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 50 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			break
		}
		n = m
	}
	return n
}

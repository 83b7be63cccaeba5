package data

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/org/gotl/nn"
)

// ClassMode is the kind of targets a directory iterator yields: Keras's class_mode.
type ClassMode int

const (
	// ClassCategorical yields one-hot rows (B, K) (Keras 'categorical', the default).
	ClassCategorical ClassMode = iota
	// ClassSparse yields class indices (B) (Keras 'sparse').
	ClassSparse
	// ClassBinary yields class indices (B), meant for two classes (Keras 'binary').
	ClassBinary
	// ClassInput yields a copy of the images as targets, for autoencoders (Keras 'input').
	ClassInput
	// ClassNone yields no targets, for Predict (Keras None).
	ClassNone
)

func (m ClassMode) String() string {
	switch m {
	case ClassCategorical:
		return "categorical"
	case ClassSparse:
		return "sparse"
	case ClassBinary:
		return "binary"
	case ClassInput:
		return "input"
	case ClassNone:
		return "none"
	}
	return fmt.Sprintf("ClassMode(%d)", int(m))
}

// Subset selects a part of the data when the generator has a ValidationSplit: Keras's subset.
type Subset int

const (
	// SubsetAll is every file (Keras subset=None).
	SubsetAll Subset = iota
	// SubsetTraining is what is left after the validation part.
	SubsetTraining
	// SubsetValidation is the first int(ValidationSplit·n) files of each class (of the
	// arrays, for Flow), or a seeded random choice with RandomSplit.
	SubsetValidation
)

func (s Subset) String() string {
	switch s {
	case SubsetAll:
		return "all"
	case SubsetTraining:
		return "training"
	case SubsetValidation:
		return "validation"
	}
	return fmt.Sprintf("Subset(%d)", int(s))
}

// KerasExtensions are the file extensions Keras's flow_from_directory accepts.
var KerasExtensions = []string{"png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff"}

// DefaultExtensions are KerasExtensions plus webp.
var DefaultExtensions = append(slices.Clone(KerasExtensions), "webp")

// FlowConfig configures FlowFromDirectory and Flow; its zero value is Keras's default.
// Fields marked "directory" are ignored by Flow.
type FlowConfig struct {
	// TargetSize is the (height, width) images are resized to, ignoring their aspect ratio as
	// Keras does; zero means Keras's (256, 256). Directory.
	TargetSize [2]int
	// ColorMode is the pixel layout (Keras color_mode). Directory.
	ColorMode ColorMode
	// Classes lists the class folders, in label order; nil means every subfolder, sorted by
	// code point as Python sorts ('B' < 'a', 'class10' < 'class2'). Directory.
	Classes []string
	// ClassMode is the kind of targets (Keras class_mode). Directory.
	ClassMode ClassMode
	// BatchSize is the number of images per batch; 0 means 32. The last batch of an epoch is
	// partial, as in Keras.
	BatchSize int
	// NoShuffle keeps file (array) order; by default the order is shuffled every epoch
	// (Keras shuffle=True), as a function of (Seed, epoch).
	NoShuffle bool
	// Seed seeds shuffling and augmentation.
	Seed uint64
	// Subset selects the training or validation part of a generator with ValidationSplit.
	Subset Subset
	// Interpolation resizes to TargetSize (Keras interpolation; default nearest). Directory.
	Interpolation Interpolation
	// FollowLinks descends into symbolic links to folders inside class folders (Keras
	// follow_links); class folders themselves may always be links. Directory.
	FollowLinks bool
	// Extensions are the accepted file name endings, compared case-insensitively as Keras does
	// (without the dot: a name ending in "png" counts); nil means DefaultExtensions. Directory.
	Extensions []string
	// AllowEmptyClasses accepts class folders without images (Keras does, silently); by default
	// they are an error. Directory.
	AllowEmptyClasses bool
	// SkipInvalid skips unreadable or corrupt images instead of failing: those whose header
	// is bad are dropped when the iterator is built, those that fail to decode are dropped from
	// their batch (which is then smaller). Each is reported once to Log; see Skipped. Directory.
	SkipInvalid bool
	// MaxPixels refuses images whose header claims more pixels, before decoding; 0 means
	// DefaultMaxPixels. Directory.
	MaxPixels int64
	// Workers is the number of goroutines preparing images; 0 means GOMAXPROCS.
	Workers int
	// Prefetch is the number of batches prepared ahead of the one asked for; 0 means 2.
	Prefetch int
	// Log receives Keras's "Found N images belonging to K classes." line and warnings; nil
	// means os.Stdout. Use io.Discard to silence it.
	Log io.Writer
}

func (c *FlowConfig) withDefaults() (FlowConfig, error) {
	out := *c
	if out.TargetSize == [2]int{} {
		out.TargetSize = [2]int{256, 256}
	}
	if out.BatchSize == 0 {
		out.BatchSize = 32
	}
	if out.Workers == 0 {
		out.Workers = runtime.GOMAXPROCS(0)
	}
	if out.Prefetch == 0 {
		out.Prefetch = 2
	}
	if out.MaxPixels == 0 {
		out.MaxPixels = DefaultMaxPixels
	}
	if out.Extensions == nil {
		out.Extensions = DefaultExtensions
	}
	if out.Log == nil {
		out.Log = os.Stdout
	}
	switch {
	case out.TargetSize[0] <= 0 || out.TargetSize[1] <= 0:
		return out, fmt.Errorf("TargetSize must be positive (height, width), got %v", out.TargetSize)
	case int64(out.TargetSize[0])*int64(out.TargetSize[1]) > out.MaxPixels:
		return out, fmt.Errorf("TargetSize %v exceeds MaxPixels %d", out.TargetSize, out.MaxPixels)
	case out.BatchSize < 0:
		return out, fmt.Errorf("BatchSize must be >= 0 (0 means 32), got %d", out.BatchSize)
	case out.Workers < 0:
		return out, fmt.Errorf("Workers must be >= 0 (0 means GOMAXPROCS), got %d", out.Workers)
	case out.Prefetch < 0:
		return out, fmt.Errorf("Prefetch must be >= 0 (0 means 2), got %d", out.Prefetch)
	case out.MaxPixels < 0:
		return out, fmt.Errorf("MaxPixels must be >= 0, got %d", out.MaxPixels)
	case out.ColorMode < ColorRGB || out.ColorMode > ColorRGBA:
		return out, fmt.Errorf("unknown ColorMode %d", int(out.ColorMode))
	case out.ClassMode < ClassCategorical || out.ClassMode > ClassNone:
		return out, fmt.Errorf("unknown ClassMode %d", int(out.ClassMode))
	case out.Subset < SubsetAll || out.Subset > SubsetValidation:
		return out, fmt.Errorf("unknown Subset %d", int(out.Subset))
	case out.Interpolation < InterpolationNearest || out.Interpolation > InterpolationHamming:
		return out, fmt.Errorf("unknown Interpolation %d", int(out.Interpolation))
	}
	return out, nil
}

// DirectoryIterator is Keras's DirectoryIterator: the images of directory/<class>/**/<file>,
// decoded, resized, augmented and batched in parallel. It implements nn.Dataset and
// nn.EpochSetter. Batch X is float32 (B, H, W, C); Y depends on ClassMode.
type DirectoryIterator struct {
	dir        string
	cfg        FlowConfig
	gen        ImageDataGenerator
	classNames []string
	filenames  []string // relative class/…/file, in Keras's order
	classes    []int
	p          *pipeline
	// skippedAtStart counts the files dropped for a bad header (SkipInvalid).
	skippedAtStart int
}

// FlowFromDirectory lists the images under dir as Keras's flow_from_directory does and
// returns an iterator over them. It prints "Found N images belonging to K classes." to cfg.Log.
// An empty class folder (unless AllowEmptyClasses) or a directory without images is an error.
func (g *ImageDataGenerator) FlowFromDirectory(dir string, cfg FlowConfig) (*DirectoryIterator, error) {
	if err := g.validate(); err != nil {
		return nil, err
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("data: FlowFromDirectory %q: %w", dir, err)
	}
	if c.Subset != SubsetAll && g.ValidationSplit == 0 {
		return nil, fmt.Errorf("data: FlowFromDirectory %q: Subset %v needs a ValidationSplit", dir, c.Subset)
	}
	it := &DirectoryIterator{dir: dir, cfg: c, gen: *g}
	it.classNames, err = listClasses(dir, c.Classes)
	if err != nil {
		return nil, err
	}
	for k, class := range it.classNames {
		files, err := listClassFiles(dir, class, c.Extensions, c.FollowLinks)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 && !c.AllowEmptyClasses {
			return nil, fmt.Errorf("data: FlowFromDirectory %q: class folder %q has no images (extensions %s)", dir, class, strings.Join(c.Extensions, ", "))
		}
		for _, f := range g.splitFiles(files, k, c.Subset) {
			it.filenames = append(it.filenames, f)
			it.classes = append(it.classes, k)
		}
	}
	if c.SkipInvalid {
		it.dropInvalidHeaders()
	}
	fmt.Fprintf(c.Log, "Found %d images belonging to %d classes.\n", len(it.filenames), len(it.classNames))
	if len(it.filenames) == 0 {
		if len(it.classNames) == 0 {
			return nil, fmt.Errorf("data: FlowFromDirectory %q: %w: no class subfolders", dir, errNoImages)
		}
		return nil, fmt.Errorf("data: FlowFromDirectory %q: %w in %d class folders (subset %v)", dir, errNoImages, len(it.classNames), c.Subset)
	}
	it.p = it.newPipeline(!c.NoShuffle, g.augments() && (c.Subset != SubsetValidation || g.AugmentValidation))
	stopWhenUnreachable(it, it.p)
	return it, nil
}

// splitFiles returns the files of class k (in sorted order) that belong to subset.
func (g *ImageDataGenerator) splitFiles(files []string, k int, subset Subset) []string {
	if subset == SubsetAll {
		return files
	}
	n := len(files)
	nVal := int(g.ValidationSplit * float64(n)) // Keras: int(split·n), per class
	isVal := make([]bool, n)
	if g.RandomSplit {
		perm := make([]int, n)
		for i := range perm {
			perm[i] = i
		}
		shuffleInts(perm, g.SplitSeed, streamSplit, k)
		for _, i := range perm[:nVal] {
			isVal[i] = true
		}
	} else {
		for i := range nVal {
			isVal[i] = true
		}
	}
	var out []string
	for i, f := range files {
		if isVal[i] == (subset == SubsetValidation) {
			out = append(out, f)
		}
	}
	return out
}

// listClasses returns the class folder names: given, or the subfolders of dir (following
// links, as os.path.isdir does) sorted by code point.
func listClasses(dir string, given []string) ([]string, error) {
	if given != nil {
		if len(given) == 0 {
			return nil, fmt.Errorf("data: FlowFromDirectory %q: Classes is empty", dir)
		}
		seen := map[string]bool{}
		for _, c := range given {
			if seen[c] {
				return nil, fmt.Errorf("data: FlowFromDirectory %q: class %q listed twice", dir, c)
			}
			seen[c] = true
			if st, err := os.Stat(filepath.Join(dir, c)); err != nil || !st.IsDir() {
				return nil, fmt.Errorf("data: FlowFromDirectory %q: class folder %q not found", dir, c)
			}
		}
		return slices.Clone(given), nil
	}
	entries, err := os.ReadDir(dir) // sorted by name: byte order, which is code-point order in UTF-8
	if err != nil {
		return nil, fmt.Errorf("data: FlowFromDirectory: %w", err)
	}
	var classes []string
	for _, e := range entries {
		if st, err := os.Stat(filepath.Join(dir, e.Name())); err == nil && st.IsDir() {
			classes = append(classes, e.Name())
		}
	}
	return classes, nil
}

// listClassFiles returns the image files of dir/class as Keras's _iter_valid_files lists them:
// every folder under it (os.walk, descending into links only with followLinks), the folders
// sorted by path, the files of each sorted by name, kept when their lower-cased name ends with
// an extension. Names are relative to dir ("class/sub/file.jpg"). Link cycles are walked once.
func listClassFiles(dir, class string, exts []string, followLinks bool) ([]string, error) {
	top := filepath.Join(dir, class)
	type folder struct {
		path  string
		files []string
	}
	var folders []folder
	visited := map[[2]uint64]bool{}
	var walk func(path string) error
	walk = func(path string) error {
		if st, err := os.Stat(path); err == nil {
			if sys, ok := st.Sys().(*syscall.Stat_t); ok {
				id := [2]uint64{uint64(sys.Dev), sys.Ino}
				if visited[id] {
					return nil
				}
				visited[id] = true
			}
		}
		entries, err := os.ReadDir(path)
		if err != nil {
			return fmt.Errorf("data: FlowFromDirectory %q: %w", dir, err)
		}
		f := folder{path: path}
		var subdirs []string
		for _, e := range entries {
			full := filepath.Join(path, e.Name())
			isDir := e.IsDir()
			if e.Type()&fs.ModeSymlink != 0 {
				st, err := os.Stat(full)
				isDir = err == nil && st.IsDir()
				if isDir && !followLinks {
					continue // os.walk lists it among the folders but does not descend
				}
			}
			if isDir {
				subdirs = append(subdirs, full)
			} else {
				f.files = append(f.files, e.Name())
			}
		}
		folders = append(folders, f)
		for _, s := range subdirs {
			if err := walk(s); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(top); err != nil {
		return nil, err
	}
	slices.SortFunc(folders, func(a, b folder) int { return strings.Compare(a.path, b.path) })
	var out []string
	for _, f := range folders {
		slices.Sort(f.files)
		for _, name := range f.files {
			if hasExtension(name, exts) {
				rel, err := filepath.Rel(dir, filepath.Join(f.path, name))
				if err != nil {
					return nil, err
				}
				out = append(out, filepath.ToSlash(rel))
			}
		}
	}
	return out, nil
}

func hasExtension(name string, exts []string) bool {
	lower := strings.ToLower(name)
	for _, e := range exts {
		if strings.HasSuffix(lower, strings.ToLower(e)) {
			return true
		}
	}
	return false
}

// dropInvalidHeaders removes files whose header cannot be read, reporting each to Log.
func (it *DirectoryIterator) dropInvalidHeaders() {
	errs := make([]error, len(it.filenames))
	var wg sync.WaitGroup
	next := make(chan int)
	for range it.cfg.Workers {
		wg.Go(func() {
			for i := range next {
				_, errs[i] = imageFileConfig(it.Filepath(i), it.cfg.MaxPixels)
			}
		})
	}
	for i := range it.filenames {
		next <- i
	}
	close(next)
	wg.Wait()
	var names []string
	var classes []int
	skipped := 0
	for i, err := range errs {
		if err != nil {
			skipped++
			fmt.Fprintf(it.cfg.Log, "Skipping invalid image: %v\n", err)
			continue
		}
		names = append(names, it.filenames[i])
		classes = append(classes, it.classes[i])
	}
	if skipped > 0 {
		fmt.Fprintf(it.cfg.Log, "Skipped %d invalid images.\n", skipped)
	}
	it.filenames, it.classes = names, classes
	it.skippedAtStart = skipped
}

func (it *DirectoryIterator) newPipeline(shuffle, augment bool) *pipeline {
	// The closures capture copies, never it: see stopWhenUnreachable.
	c := it.cfg
	gen := it.gen
	dir, filenames := it.dir, it.filenames
	path := func(s int) string { return filepath.Join(dir, filepath.FromSlash(filenames[s])) }
	p := &pipeline{
		n: len(it.filenames), batchSize: c.BatchSize,
		h: c.TargetSize[0], w: c.TargetSize[1], c: c.ColorMode.Channels(),
		gen: &gen, augment: augment, shuffle: shuffle, seed: c.Seed,
		workers: c.Workers, prefetch: c.Prefetch, skipInvalid: c.SkipInvalid, log: c.Log,
		describe: func(s int) string { return fmt.Sprintf("%q", path(s)) },
	}
	p.load = func(s int, dst []float32, sc *scratch) error {
		return loadImage(path(s), dst, p.h, p.w, c.ColorMode, c.Interpolation, c.MaxPixels, sc)
	}
	k := len(it.classNames)
	classes := it.classes
	switch c.ClassMode {
	case ClassCategorical:
		p.yLen, p.yShape = k, []int{k}
		p.label = func(s int, dst []float32) {
			clear(dst)
			dst[classes[s]] = 1
		}
	case ClassSparse, ClassBinary:
		p.yLen, p.yShape = 1, nil
		p.label = func(s int, dst []float32) { dst[0] = float32(classes[s]) }
	case ClassInput:
		p.yIsInput = true
	}
	p.init()
	return p
}

// loadImage decodes the file at path, converts it to mode and resizes it to (h, w) as
// Keras's load_img does, and writes it to dst as floats 0..255.
func loadImage(path string, dst []float32, h, w int, mode ColorMode, interp Interpolation, maxPixels int64, sc *scratch) error {
	// img may alias sc.image (a JPEG's planes): it is used up below, before this worker
	// decodes its next file.
	img, err := decodeImageFile(path, maxPixels, &sc.image)
	if err != nil {
		return err
	}
	ch := mode.Channels()
	n := h * w * ch
	if cap(sc.u8) < n {
		sc.u8 = make([]uint8, n)
	}
	out := sc.u8[:n]
	sc.full, sc.tmp = resizeImage(out, h, w, newRowReader(img, mode), interp, sc.full, sc.tmp)
	for i, v := range out {
		dst[i] = float32(v)
	}
	return nil
}

// resizeImage writes the image of r resized to (h, w) to dst: PIL's Image.resize with interp
// (a copy when the size already matches). full and tmp are scratch, returned grown.
func resizeImage(dst []uint8, h, w int, r *rowReader, interp Interpolation, full, tmp []uint8) ([]uint8, []uint8) {
	ch := r.ch
	if r.w == w && r.h == h {
		r.setColumns(nil)
		for y := range h {
			r.row(dst[y*w*ch:], y)
		}
		return full, tmp
	}
	if interp == InterpolationNearest {
		r.setColumns(nearestIndex(r.w, w))
		rows := nearestIndex(r.h, h)
		for y, sy := range rows {
			row := dst[y*w*ch : (y+1)*w*ch]
			if y > 0 && sy == rows[y-1] {
				copy(row, dst[(y-1)*w*ch:y*w*ch])
				continue
			}
			r.row(row, sy)
		}
		return full, tmp
	}
	n := r.w * r.h * ch
	if cap(full) < n {
		full = make([]uint8, n)
	}
	full = full[:n]
	r.setColumns(nil)
	for y := range r.h {
		r.row(full[y*r.w*ch:], y)
	}
	if r.mode == ColorRGBA {
		premultiply(full)
	}
	tmp = resample(dst, h, w, full, r.h, r.w, ch, interp.filter(), tmp)
	if r.mode == ColorRGBA {
		unpremultiply(dst)
	}
	return full, tmp
}

// Len is the number of batches per epoch, ceil(Samples / BatchSize).
func (it *DirectoryIterator) Len() int { return it.p.batches }

// Batch returns batch i of the current epoch, valid until the next call.
func (it *DirectoryIterator) Batch(ctx context.Context, i int) (*nn.Batch, error) {
	return it.p.batch(ctx, i)
}

// SetEpoch sets the epoch whose order and augmentation Batch returns.
func (it *DirectoryIterator) SetEpoch(epoch int) { it.p.setEpoch(epoch) }

// Close stops the worker goroutines (they also stop when the iterator is garbage collected).
// The iterator restarts them if used again.
func (it *DirectoryIterator) Close() error {
	it.p.stop()
	return nil
}

// Samples is the number of images (Keras samples).
func (it *DirectoryIterator) Samples() int { return len(it.filenames) }

// NumClasses is the number of classes (Keras num_classes).
func (it *DirectoryIterator) NumClasses() int { return len(it.classNames) }

// ClassNames returns the class folder names in label order.
func (it *DirectoryIterator) ClassNames() []string { return slices.Clone(it.classNames) }

// ClassIndices maps each class name to its label (Keras class_indices).
func (it *DirectoryIterator) ClassIndices() map[string]int {
	m := make(map[string]int, len(it.classNames))
	for i, c := range it.classNames {
		m[c] = i
	}
	return m
}

// Filenames returns the image paths relative to the directory, "class/…/file", in file
// order (Keras filenames).
func (it *DirectoryIterator) Filenames() []string { return slices.Clone(it.filenames) }

// Filepath returns the path of image s (Keras filepaths[s]).
func (it *DirectoryIterator) Filepath(s int) string {
	return filepath.Join(it.dir, filepath.FromSlash(it.filenames[s]))
}

// Classes returns the label of every image in file order (Keras classes).
func (it *DirectoryIterator) Classes() []int { return slices.Clone(it.classes) }

// ImageShape is (height, width, channels) of one image (Keras image_shape).
func (it *DirectoryIterator) ImageShape() [3]int {
	return [3]int{it.cfg.TargetSize[0], it.cfg.TargetSize[1], it.cfg.ColorMode.Channels()}
}

// Order returns the image indices of the current epoch in batch order: batch i holds images
// Order()[i·B : (i+1)·B]. Without shuffling it is 0, 1, …, in file order.
func (it *DirectoryIterator) Order() []int {
	it.p.mu.Lock()
	defer it.p.mu.Unlock()
	return slices.Clone(it.p.order)
}

// Skipped is the number of invalid images skipped so far (SkipInvalid).
func (it *DirectoryIterator) Skipped() int { return it.skippedAtStart + int(it.p.nSkipped.Load()) }

// ForPredict returns an iterator over the same images in file order, without random
// transforms (resize, PreprocessingFunction and Rescale kept), so that the rows of Predict
// line up with Filenames and Classes: the fix for Keras's shuffled predict_generator pitfall.
func (it *DirectoryIterator) ForPredict() *DirectoryIterator {
	cp := &DirectoryIterator{dir: it.dir, cfg: it.cfg, gen: it.gen, classNames: it.classNames, filenames: it.filenames, classes: it.classes, skippedAtStart: it.skippedAtStart}
	cp.p = cp.newPipeline(false, false)
	stopWhenUnreachable(cp, cp.p)
	return cp
}

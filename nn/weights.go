package nn

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/org/gotl/internal/atomicfile"
	"github.com/org/gotl/internal/npy"
)

// Weight files (DESIGN.md §2): a directory holding DIR/<layer>/<variable>.npy, or one .npz
// archive with entries "<layer>/<variable>.npy"; float32, C order, Keras shapes. Loading is
// by name, so a file saved with some layers frozen loads after unfreezing them.

// ReservedPrefixes are the top-level entry names of a checkpoint archive that hold
// training state, not weights; LoadWeights skips them.
var ReservedPrefixes = []string{"optimizer/", "training/"}

func reserved(key string) bool {
	for _, p := range ReservedPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// WeightArrays returns every variable of the model as keys ("<layer>/<variable>") and
// arrays, in Variables order.
func (m *Model) WeightArrays() ([]string, []npy.Array) {
	vars := m.Variables()
	keys := make([]string, len(vars))
	arrays := make([]npy.Array, len(vars))
	for i, v := range vars {
		keys[i] = v.Name()
		arrays[i] = npy.Array{Shape: append([]int(nil), v.Shape()...), Data: v.Read()}
	}
	return keys, arrays
}

// SaveWeights writes every variable of the model to path: an .npz archive when path ends
// in ".npz", else a directory of .npy files. The write is atomic: a failure or a crash
// leaves any previous file or directory at path as it was.
func (m *Model) SaveWeights(path string) error {
	keys, arrays := m.WeightArrays()
	if strings.HasSuffix(path, ".npz") {
		return npy.WriteNPZ(path, keys, arrays)
	}
	return atomicfile.WriteDir(path, func(tmp string) error {
		for i, key := range keys {
			file := filepath.Join(tmp, filepath.FromSlash(key)+".npy")
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				return err
			}
			f, err := os.Create(file)
			if err != nil {
				return err
			}
			err = npy.Write(f, arrays[i])
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("nn: save weights: %s: %w", key, err)
			}
		}
		return nil
	})
}

// LoadOptions relaxes LoadWeights' checks.
type LoadOptions struct {
	// AllowMissing leaves variables absent from the file at their current values.
	AllowMissing bool
	// AllowExtra ignores entries of the file that name no variable of the model.
	AllowExtra bool
}

// WeightSource is a set of named arrays: a weights directory or archive.
type WeightSource interface {
	Keys() []string
	Read(key string) (npy.Array, error)
	Close() error
}

type dirSource struct {
	dir  string
	keys []string
}

func (d *dirSource) Keys() []string { return d.keys }
func (d *dirSource) Read(key string) (npy.Array, error) {
	return npy.ReadFile(filepath.Join(d.dir, filepath.FromSlash(key)+".npy"))
}
func (d *dirSource) Close() error { return nil }

// OpenWeights opens a weights directory or .npz archive.
func OpenWeights(path string) (WeightSource, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("nn: weights: %w", err)
	}
	if !info.IsDir() {
		z, err := npy.OpenNPZ(path)
		if err != nil {
			return nil, fmt.Errorf("nn: weights: %w", err)
		}
		return z, nil
	}
	src := &dirSource{dir: path}
	err = filepath.WalkDir(path, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() && strings.HasSuffix(p, ".npy") {
			rel, err := filepath.Rel(path, p)
			if err != nil {
				return err
			}
			src.keys = append(src.keys, filepath.ToSlash(strings.TrimSuffix(rel, ".npy")))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("nn: weights: %w", err)
	}
	sort.Strings(src.keys)
	return src, nil
}

// LoadWeights reads the variables of the model by name from a directory or an .npz
// archive written by SaveWeights (or by tools/keras2npy.py). Every shape is checked; a
// missing, extra or mis-shaped variable is an error that names it, unless opts allow it.
// Nothing is assigned unless the whole file checks out.
func (m *Model) LoadWeights(path string, opts ...LoadOptions) error {
	src, err := OpenWeights(path)
	if err != nil {
		return err
	}
	defer src.Close()
	return m.LoadWeightsFrom(src, path, opts...)
}

// LoadWeightsFrom is LoadWeights from an opened source; name is used in errors.
func (m *Model) LoadWeightsFrom(src WeightSource, name string, opts ...LoadOptions) error {
	var o LoadOptions
	for _, x := range opts {
		o.AllowMissing = o.AllowMissing || x.AllowMissing
		o.AllowExtra = o.AllowExtra || x.AllowExtra
	}
	vars := map[string]*Variable{}
	for _, v := range m.Variables() {
		vars[v.Name()] = v
	}
	available := map[string]bool{}
	var errs []error
	for _, key := range src.Keys() {
		if reserved(key) {
			continue
		}
		available[key] = true
		if _, ok := vars[key]; !ok && !o.AllowExtra {
			errs = append(errs, fmt.Errorf("nn: weights %s: %q is not a variable of model %q", name, key, m.Name()))
		}
	}
	type load struct {
		v    *Variable
		data []float32
	}
	var loads []load
	for _, v := range m.Variables() {
		key := v.Name()
		if !available[key] {
			if !o.AllowMissing {
				errs = append(errs, fmt.Errorf("nn: weights %s: variable %q (shape %v) is missing", name, key, v.Shape()))
			}
			continue
		}
		a, err := src.Read(key)
		if err != nil {
			errs = append(errs, fmt.Errorf("nn: weights %s: variable %q: %w", name, key, err))
			continue
		}
		if !slices.Equal(a.Shape, v.Shape()) {
			errs = append(errs, fmt.Errorf("nn: weights %s: variable %q has shape %v in the file, the model wants %v", name, key, a.Shape, v.Shape()))
			continue
		}
		loads = append(loads, load{v, a.Data})
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	for _, l := range loads {
		if err := l.v.Assign(l.data); err != nil {
			return err
		}
	}
	return nil
}

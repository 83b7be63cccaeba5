package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// writeSet returns a WriteDir function that writes a weights-like tree: one file per variable
// in a folder per layer, each holding text.
func writeSet(files map[string]string) func(string) error {
	return func(tmp string) error {
		for name, text := range files {
			path := filepath.Join(tmp, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
				return err
			}
			if err := os.WriteFile(path, []byte(text), 0o666); err != nil {
				return err
			}
		}
		return nil
	}
}

// readSet reads every regular file under dir into a map keyed by slash path.
func readSet(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func equalSets(a, b map[string]string) bool {
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

// withoutExchange makes WriteDir take the two-rename path for the rest of the test.
func withoutExchange(t *testing.T) {
	t.Cleanup(func() { exchange = renameExchange })
	exchange = func(a, b string) error { return errExchangeUnsupported }
}

var (
	oldSet = map[string]string{"dense/kernel.npy": "old kernel", "dense/bias.npy": "old bias", "gone/kernel.npy": "x"}
	newSet = map[string]string{"dense/kernel.npy": "new kernel", "dense/bias.npy": "new bias", "conv/kernel.npy": "k"}
)

func TestWriteDir(t *testing.T) {
	for _, fallback := range []bool{false, true} {
		t.Run(fmt.Sprintf("fallback=%v", fallback), func(t *testing.T) {
			if fallback {
				withoutExchange(t)
			}
			parent := t.TempDir()
			dir := filepath.Join(parent, "weights")
			if err := WriteDir(dir, writeSet(oldSet)); err != nil {
				t.Fatal(err)
			}
			if got := readSet(t, dir); !equalSets(got, oldSet) {
				t.Fatalf("first write: tree holds %v, want %v", got, oldSet)
			}
			if err := WriteDir(dir, writeSet(newSet)); err != nil {
				t.Fatal(err)
			}
			if got := readSet(t, dir); !equalSets(got, newSet) {
				t.Fatalf("replacement: tree holds %v, want exactly %v", got, newSet)
			}
			if got := entries(t, parent); !slices.Equal(got, []string{"weights"}) {
				t.Fatalf("parent holds %q, want only weights", got)
			}
		})
	}
}

func TestWriteDirErrorKeepsOldTree(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "weights")
	if err := WriteDir(dir, writeSet(oldSet)); err != nil {
		t.Fatal(err)
	}
	failure := errors.New("layer 3 has no weights")
	err := WriteDir(dir, func(tmp string) error {
		if err := writeSet(newSet)(tmp); err != nil {
			return err
		}
		return failure
	})
	if err != failure {
		t.Fatalf("WriteDir returned %v, want fn's own error unchanged", err)
	}
	if got := readSet(t, dir); !equalSets(got, oldSet) {
		t.Fatalf("tree holds %v, want the old %v", got, oldSet)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{"weights"}) {
		t.Fatalf("parent holds %q, want only weights", got)
	}

	// And when there was nothing before, there is nothing after.
	fresh := filepath.Join(parent, "fresh")
	if err := WriteDir(fresh, func(string) error { return failure }); err != failure {
		t.Fatalf("WriteDir returned %v, want %v", err, failure)
	}
	if got := entries(t, parent); !slices.Equal(got, []string{"weights"}) {
		t.Fatalf("parent holds %q, want only weights", got)
	}
}

func TestWriteDirPanicLeavesNoTemp(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "weights")
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not propagate")
			}
		}()
		_ = WriteDir(dir, func(tmp string) error {
			_ = writeSet(newSet)(tmp)
			panic("bug in the caller")
		})
	}()
	if got := entries(t, parent); len(got) != 0 {
		t.Fatalf("parent holds %q, want nothing", got)
	}
}

func TestWriteDirErrors(t *testing.T) {
	parent := t.TempDir()
	file := filepath.Join(parent, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	called := false
	err := WriteDir(file, func(string) error { called = true; return nil })
	if err == nil || !strings.Contains(err.Error(), "target exists and is not a directory") {
		t.Fatalf("WriteDir over a file = %v, want an error saying it is not a directory", err)
	}
	if called {
		t.Error("fn ran although the target could not be replaced")
	}
	for _, bad := range []string{".", "..", string(filepath.Separator)} {
		if err := WriteDir(bad, func(string) error { return nil }); err == nil {
			t.Errorf("WriteDir(%q) succeeded", bad)
		}
	}
}

func TestWriteDirKeepsPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits")
	}
	dir := filepath.Join(t.TempDir(), "weights")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := WriteDir(dir, writeSet(newSet)); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o750 {
		t.Errorf("replaced directory has mode %v, want drwxr-x---", got)
	}
}

// TestWriteDirReaderSeesWholeTrees replaces a tree over and over while a reader opens it and
// reads both of its files through the opened directory: every tree it opens must be one whole
// set, and on Linux (RENAME_EXCHANGE) the name must never be missing.
func TestWriteDirReaderSeesWholeTrees(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "weights")
	set := func(i int) map[string]string {
		v := fmt.Sprint(i)
		return map[string]string{"a/kernel.npy": v, "b/kernel.npy": v}
	}
	if err := WriteDir(dir, writeSet(set(0))); err != nil {
		t.Fatal(err)
	}
	const rounds = 100
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for i := 1; i <= rounds; i++ {
			if err := WriteDir(dir, writeSet(set(i))); err != nil {
				t.Error(err)
				return
			}
		}
	})
	reads, missing := 0, 0
	for {
		select {
		case <-done:
			wg.Wait()
			t.Logf("%d consistent reads, %d while the name was missing", reads, missing)
			if runtime.GOOS == "linux" && missing > 0 {
				t.Errorf("the directory was missing %d times although the trees were exchanged atomically", missing)
			}
			return
		default:
		}
		root, err := os.OpenRoot(dir)
		if err != nil {
			missing++
			continue
		}
		a, errA := root.ReadFile("a/kernel.npy")
		b, errB := root.ReadFile("b/kernel.npy")
		root.Close()
		if errA != nil || errB != nil {
			// The old tree is being removed under our open handle: that is the remover's
			// business, not a partial tree.
			continue
		}
		if string(a) != string(b) {
			t.Fatalf("read a mixed tree: a=%s b=%s", a, b)
		}
		reads++
	}
}

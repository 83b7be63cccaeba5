package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// entries lists the names in dir, to catch temporary files left behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(des))
	for i, de := range des {
		names[i] = de.Name()
	}
	return names
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func TestWriteCreatesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "weights.npz")
	if err := Write(path, writeString("first")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "first" {
		t.Fatalf("content = %q, want %q", got, "first")
	}
	if err := Write(path, writeString("second, longer")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "second, longer" {
		t.Fatalf("content = %q, want %q", got, "second, longer")
	}
	if got := entries(t, dir); len(got) != 1 || got[0] != "weights.npz" {
		t.Fatalf("directory holds %q, want only weights.npz", got)
	}
}

func TestWriteManySmallWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.csv")
	var want strings.Builder
	err := Write(path, func(w io.Writer) error {
		for i := range 100000 {
			line := strings.Repeat("x", i%7) + "\n"
			want.WriteString(line)
			if _, err := io.WriteString(w, line); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != want.String() {
		t.Fatalf("content differs: %d bytes, want %d", len(got), want.Len())
	}
}

func TestWriteErrorKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "weights.npz")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	failure := errors.New("disk full, say")
	err := Write(path, func(w io.Writer) error {
		// More than the buffer, so part of it reached the temporary file.
		if _, err := w.Write(make([]byte, 3*bufferSize)); err != nil {
			return err
		}
		return failure
	})
	if err != failure {
		t.Fatalf("Write returned %v, want fn's own error unchanged", err)
	}
	if got := readString(t, path); got != "old" {
		t.Fatalf("content = %q, want the old content", got)
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Fatalf("directory holds %q, want only the old file", got)
	}
}

func TestWriteErrorLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.npy")
	failure := errors.New("boom")
	if err := Write(path, func(io.Writer) error { return failure }); err != failure {
		t.Fatalf("Write returned %v, want %v", err, failure)
	}
	if got := entries(t, dir); len(got) != 0 {
		t.Fatalf("directory holds %q, want nothing", got)
	}
}

func TestWritePanicLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "weights.npz")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not propagate")
			}
		}()
		_ = Write(path, func(w io.Writer) error {
			_, _ = io.WriteString(w, "partial")
			panic("bug in the caller")
		})
	}()
	if got := readString(t, path); got != "old" {
		t.Fatalf("content = %q, want the old content", got)
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Fatalf("directory holds %q, want only the old file", got)
	}
}

func TestWritePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "weights.npz")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil { // whatever the umask
		t.Fatal(err)
	}
	if err := Write(path, writeString("new")); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o640 {
		t.Errorf("replaced file has mode %v, want the old file's -rw-r-----", got)
	}

	// A new file gets what os.Create would give it.
	plain := filepath.Join(dir, "plain")
	f, err := os.Create(plain)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	want, err := os.Stat(plain)
	if err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "fresh")
	if err := Write(fresh, writeString("x")); err != nil {
		t.Fatal(err)
	}
	got, err := os.Stat(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mode().Perm() != want.Mode().Perm() {
		t.Errorf("new file has mode %v, want %v as from os.Create", got.Mode().Perm(), want.Mode().Perm())
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"target is a directory", sub, "target exists and is not a regular file"},
		{"path ends in a separator", sub + string(filepath.Separator), "path names a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Write(tt.path, writeString("x"))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "atomicfile: write") {
				t.Fatalf("Write(%q) = %v, want an error containing %q", tt.path, err, tt.want)
			}
		})
	}
	missing := filepath.Join(dir, "missing", "w.npz")
	if err := Write(missing, writeString("x")); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Write(%q) = %v, want an error naming the path and wrapping fs.ErrNotExist", missing, err)
	}
}

func TestWriteRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := Write("here.txt", writeString("hi")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, filepath.Join(dir, "here.txt")); got != "hi" {
		t.Fatalf("content = %q", got)
	}
}

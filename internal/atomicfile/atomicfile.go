// Package atomicfile writes the files a user keeps (weights, checkpoints, logs, plots) so that a
// crash, a full disk or an error half-way never leaves a half-written file where a good one was.
//
// Write replaces one file: the content goes to a temporary file in the same directory
// ("NAME.tmp-123456"), which is flushed, fsynced, closed and renamed over the target; then the
// directory itself is fsynced so the rename survives a power cut. WriteDir does the same for a
// whole directory tree (a weights directory DIR/<layer>/<variable>.npy); see its doc for the exact
// guarantee.
//
// On any error, and on a panic in the caller's function, the temporary file or directory is
// removed and the previous target is left untouched. Only a crash of the process or the machine
// can leave a "*.tmp-*" name behind; it is never mistaken for the target.
//
// A new file gets the permissions os.Create would give it (0666 less the umask); a replaced file
// keeps the permission bits of the file it replaces. If the target is a symbolic link, the link
// itself is replaced, not the file it points to.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
)

// bufferSize is the size of the buffer between the caller's function and the temporary file:
// large enough that many small writes (a CSV log line by line) become few system calls.
const bufferSize = 64 << 10

// Write atomically replaces the file at path with what fn writes.
//
// fn receives a buffered writer on a temporary file beside path. If fn returns an error, Write
// removes the temporary file and returns that error unchanged, and path keeps its old content (or
// stays absent). Errors of Write's own (creating, syncing, renaming) name the path and wrap the
// cause with %w.
func Write(path string, fn func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	if base == "" {
		return fmt.Errorf("atomicfile: write %q: path names a directory", path)
	}
	if dir == "" {
		dir = "."
	}
	perm, replacing := fs.FileMode(0o666), false
	if info, err := os.Stat(path); err == nil {
		if !info.Mode().IsRegular() {
			return fmt.Errorf("atomicfile: write %s: target exists and is not a regular file (%v)", path, info.Mode().Type())
		}
		perm, replacing = info.Mode().Perm(), true
	}

	f, err := createTemp(dir, base, perm)
	if err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = f.Close() // a second Close after a successful one only reports os.ErrClosed
			_ = os.Remove(f.Name())
		}
	}()

	bw := bufio.NewWriterSize(f, bufferSize)
	if err := fn(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	if replacing {
		// The umask applied at creation; the replaced file's bits are restored exactly.
		if err := f.Chmod(perm); err != nil {
			return fmt.Errorf("atomicfile: write %s: %w", path, err)
		}
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	committed = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("atomicfile: write %s: the file is in place but its directory could not be synced: %w", path, err)
	}
	return nil
}

// createTemp creates a new file "base.tmp-N" in dir, like os.CreateTemp but with the permission
// perm (less the umask) instead of 0600, so that the renamed file has the mode a plain
// os.Create would have given it.
func createTemp(dir, base string, perm fs.FileMode) (*os.File, error) {
	var f *os.File
	_, err := createUnique(dir, base+".tmp-", func(name string) (err error) {
		f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		return err
	})
	return f, err
}

// mkdirTemp creates a new directory "prefixN" in dir with the permission perm less the umask,
// and returns its path.
func mkdirTemp(dir, prefix string, perm fs.FileMode) (string, error) {
	return createUnique(dir, prefix, func(name string) error { return os.Mkdir(name, perm) })
}

// createUnique calls create with the paths dir/prefixN for random N until one does not exist
// already, and returns that path.
func createUnique(dir, prefix string, create func(path string) error) (string, error) {
	for range 10000 {
		path := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 10))
		err := create(path)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return path, err
	}
	return "", fmt.Errorf("could not find an unused name %s* in %s", prefix, dir)
}

// syncDir makes the entries of dir (a rename, a new file) durable. Windows cannot open a
// directory for syncing and some file systems refuse it; there nothing more can be done.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

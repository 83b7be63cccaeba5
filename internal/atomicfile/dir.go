package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// WriteDir atomically replaces the directory tree at dir with the tree that fn builds.
//
// fn receives the path of a new, empty directory beside dir ("DIR.tmp-N") and fills it by any
// means; plain os.WriteFile and os.Mkdir are enough, because WriteDir fsyncs every regular file
// and directory in the tree after fn returns. An existing dir must be a directory; it is replaced
// as a whole (files of the old tree that the new one lacks do not survive).
//
// The guarantee, step by step:
//   - If fn fails (or panics), or syncing the new tree fails, the temporary tree is removed and
//     dir is untouched. fn's error is returned unchanged.
//   - If dir does not exist, the finished tree is renamed to dir in one step: dir is absent or
//     complete, never partial.
//   - If dir exists, on Linux the two trees trade names in one renameat2(RENAME_EXCHANGE) call,
//     so dir always names a complete tree, the old one or the new one. Elsewhere, and on Linux
//     file systems without RENAME_EXCHANGE, the old tree is first renamed to "DIR.old-N/<name>"
//     and the new one then renamed to dir: a crash between these two renames leaves dir absent,
//     with the complete old tree in DIR.old-N/<name> and the complete new tree in DIR.tmp-N;
//     never a mix of the two in dir.
//   - After the swap the parent directory is fsynced and the old tree removed. A crash during
//     that removal leaves the old tree, partly removed, under a "DIR.tmp-N" or "DIR.old-N" name.
func WriteDir(dir string, fn func(tmp string) error) error {
	dir = filepath.Clean(dir)
	parent, base := filepath.Split(dir)
	if base == "" || base == "." || base == ".." {
		return fmt.Errorf("atomicfile: write directory %q: cannot replace this path", dir)
	}
	if parent == "" {
		parent = "."
	}
	perm, exists := fs.FileMode(0o777), false
	if info, err := os.Lstat(dir); err == nil {
		if !info.IsDir() {
			return fmt.Errorf("atomicfile: write directory %s: target exists and is not a directory (%v)", dir, info.Mode().Type())
		}
		perm, exists = info.Mode().Perm(), true
	}

	tmp, err := mkdirTemp(parent, base+".tmp-", perm)
	if err != nil {
		return fmt.Errorf("atomicfile: write directory %s: %w", dir, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = os.RemoveAll(tmp)
		}
	}()
	if exists {
		// The umask applied at creation; the replaced directory's bits are restored exactly.
		if err := os.Chmod(tmp, perm); err != nil {
			return fmt.Errorf("atomicfile: write directory %s: %w", dir, err)
		}
	}

	if err := fn(tmp); err != nil {
		return err
	}
	if err := syncTree(tmp); err != nil {
		return fmt.Errorf("atomicfile: write directory %s: %w", dir, err)
	}

	if !exists {
		if err := os.Rename(tmp, dir); err != nil {
			return fmt.Errorf("atomicfile: write directory %s: %w", dir, err)
		}
		committed = true
		if err := syncDir(parent); err != nil {
			return fmt.Errorf("atomicfile: write directory %s: the tree is in place but its parent could not be synced: %w", dir, err)
		}
		return nil
	}

	// old is what must be removed once the new tree is in place.
	old := tmp
	switch err := exchange(tmp, dir); {
	case err == nil:
		committed = true // tmp now holds the old tree, still removed below
	case errors.Is(err, errExchangeUnsupported):
		aside, err := mkdirTemp(parent, base+".old-", 0o700)
		if err != nil {
			return fmt.Errorf("atomicfile: write directory %s: %w", dir, err)
		}
		if err := os.Rename(dir, filepath.Join(aside, base)); err != nil {
			_ = os.Remove(aside)
			return fmt.Errorf("atomicfile: write directory %s: %w", dir, err)
		}
		if err := os.Rename(tmp, dir); err != nil {
			if rerr := os.Rename(filepath.Join(aside, base), dir); rerr == nil {
				_ = os.Remove(aside)
			} else {
				err = fmt.Errorf("%w; the old tree could not be put back and is in %s", err, aside)
			}
			return fmt.Errorf("atomicfile: write directory %s: %w", dir, err)
		}
		committed = true
		old = aside
	default:
		return fmt.Errorf("atomicfile: write directory %s: %w", dir, err)
	}

	syncErr := syncDir(parent)
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("atomicfile: write directory %s: the tree is in place but the old one could not be removed from %s: %w", dir, old, err)
	}
	if syncErr != nil {
		return fmt.Errorf("atomicfile: write directory %s: the tree is in place but its parent could not be synced: %w", dir, syncErr)
	}
	return nil
}

// syncTree fsyncs every regular file and directory under root, each directory after its
// entries, so that the tree is durable before it is renamed into place.
func syncTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir():
			dirs = append(dirs, path)
			return nil
		case d.Type().IsRegular():
			return syncFile(path)
		default:
			return nil // a symbolic link or a special file has no data of its own to sync
		}
	})
	if err != nil {
		return err
	}
	for _, dir := range slices.Backward(dirs) {
		if err := syncDir(dir); err != nil {
			return err
		}
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// errExchangeUnsupported says that the system or file system cannot swap two names atomically.
var errExchangeUnsupported = errors.New("atomic rename exchange is not supported here")

// exchange is renameExchange, held in a variable so that tests can force the two-rename
// fallback on Linux.
var exchange = renameExchange

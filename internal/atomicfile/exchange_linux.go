package atomicfile

import (
	"errors"

	"golang.org/x/sys/unix"
)

// renameExchange swaps the names of the directories a and b in one atomic step (Linux 3.15 and later,
// on file systems that implement RENAME_EXCHANGE: ext4, xfs, btrfs, tmpfs, among others).
func renameExchange(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTSUP) {
		return errExchangeUnsupported
	}
	return err
}

//go:build !linux

package atomicfile

// renameExchange has no atomic implementation outside Linux; WriteDir falls back to two renames.
func renameExchange(a, b string) error { return errExchangeUnsupported }

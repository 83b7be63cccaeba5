package data

import "os"

// fileExists reports whether path names an existing file (following links).
func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

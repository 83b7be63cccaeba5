//go:build race

package gemm

// raceEnabled: the race detector allocates on its own account.
const raceEnabled = true

package cpu

import (
	"testing"

	"github.com/org/gotl/internal/device"
	"github.com/org/gotl/internal/device/devicetest"
)

func TestConformance(t *testing.T) {
	devicetest.RunAll(t, Backend{})
}

// TestDeterministic requires the same bits whatever the number of goroutines, 3 giving
// splits that are not even.
func TestDeterministic(t *testing.T) {
	devicetest.CheckDeterministic(t, Backend{}, 1, 2, 3)
}

func TestRegistered(t *testing.T) {
	b, err := device.Open("cpu")
	if err != nil {
		t.Fatal(err)
	}
	if b.Name() != "cpu" {
		t.Errorf("Name() = %q", b.Name())
	}
	if b, err := device.Default(); err != nil || b.Name() != "cpu" {
		t.Errorf("Default() = %v, %v; want the cpu backend", b, err)
	}
}

package nn

import (
	"strings"
	"testing"
	"time"
)

// fakeClock advances by the durations handed to it.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func epochLogs(loss, acc float64, val bool) *Logs {
	l := NewLogs()
	l.Set("loss", loss)
	l.Set("accuracy", acc)
	if val {
		l.Set("val_loss", 1.5606)
		l.Set("val_accuracy", 0.5208)
	}
	return l
}

// runEpoch drives a progress bar through 50 steps of 240 ms.
func runEpoch(p *progbar, tr *Training, clock *fakeClock) {
	p.OnEpochBegin(tr, 2)
	for b := 0; b < 50; b++ {
		clock.advance(240 * time.Millisecond)
		p.OnBatchEnd(tr, b, epochLogs(0.4012, 0.9011, false))
	}
	p.OnEpochEnd(tr, 2, epochLogs(0.3339, 0.9338, true))
}

func TestProgressBarFile(t *testing.T) {
	var out strings.Builder
	clock := &fakeClock{t: time.Unix(1000, 0)}
	p := newProgbar(&out, ProgressBar)
	p.clock = clock.now
	runEpoch(p, &Training{Epochs: 20, Steps: 50}, clock)
	want := "Epoch 3/20\n50/50 [==============================] - 12s 240ms/step - loss: 0.3339 - accuracy: 0.9338 - val_loss: 1.5606 - val_accuracy: 0.5208\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
}

func TestProgressBarTerminal(t *testing.T) {
	var out strings.Builder
	clock := &fakeClock{t: time.Unix(1000, 0)}
	p := newProgbar(&out, ProgressBar)
	p.clock, p.dynamic = clock.now, true
	tr := &Training{Epochs: 1, Steps: 50}
	p.OnEpochBegin(tr, 0)
	for b := 0; b < 23; b++ {
		clock.advance(240 * time.Millisecond)
		p.OnBatchEnd(tr, b, epochLogs(0.4012, 0.9011, false))
	}
	s := out.String()
	if strings.HasPrefix(s, "Epoch") {
		t.Errorf("one epoch prints no header: %q", s)
	}
	frames := strings.Split(s, "\r")
	last := frames[len(frames)-1]
	want := "23/50 [============>.................] - ETA: 6s - loss: 0.4012 - accuracy: 0.9011"
	if last != want {
		t.Errorf("last frame %q\nwant       %q", last, want)
	}
	if len(frames) != 24 {
		t.Errorf("%d frames for 23 updates 240 ms apart, want 23 (+1 before the first \\r)", len(frames))
	}
	// Each redraw first moves back over the previous line.
	if !strings.Contains(s, strings.Repeat("\b", len(want))+"\r") {
		t.Error("a redraw does not back over the previous line")
	}
}

func TestProgressBarLinePerEpoch(t *testing.T) {
	var out strings.Builder
	clock := &fakeClock{t: time.Unix(1000, 0)}
	p := newProgbar(&out, LinePerEpoch)
	p.clock = clock.now
	runEpoch(p, &Training{Epochs: 20, Steps: 50}, clock)
	want := "Epoch 3/20\n50/50 - 12s - loss: 0.3339 - accuracy: 0.9338 - val_loss: 1.5606 - val_accuracy: 0.5208 - 12s/epoch - 240ms/step\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
}

func TestProgressFormats(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{formatETA(3725), "1:02:05"},
		{formatETA(75.9), "1:15"},
		{formatETA(6.9), "6s"},
		{formatStepTime(0.0004, "step"), " 400us/step"},
		{formatStepTime(0, "step"), " 0s/step"},
		{formatStepTime(2.5, "epoch"), " 2s/epoch"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	var b strings.Builder
	l := NewLogs()
	l.Set("lr", 1e-4)
	l.Set("val_loss", 0)
	writeValues(&b, l, false)
	if b.String() != " - lr: 1.0000e-04 - val_loss: 0.0000e+00" {
		t.Errorf("small values: %q", b.String())
	}
}

package nn

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// progbar is Keras's Progbar with ProgbarLogger's epoch handling (KERAS.md §8): on a
// terminal the bar is redrawn in place after every batch (at most every 50 ms); elsewhere
// (a file, a pipe) only the final line of each epoch is written.
type progbar struct {
	CallbackBase
	out        io.Writer
	verbose    Verbosity
	dynamic    bool
	clock      func() time.Time
	target     int
	start      time.Time
	afterFirst time.Time
	lastUpdate time.Time
	endTime    time.Time
	width      int // width of the line on screen
	current    int
}

const progbarWidth = 30

func newProgbar(out io.Writer, verbose Verbosity) *progbar {
	return &progbar{out: out, verbose: verbose, dynamic: isTerminal(out), clock: time.Now}
}

// isTerminal reports whether w is a terminal (redrawing in place makes sense there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (p *progbar) OnEpochBegin(t *Training, epoch int) error {
	if t.Epochs > 1 {
		fmt.Fprintf(p.out, "Epoch %d/%d\n", epoch+1, t.Epochs)
	}
	p.reset(t.Steps)
	return nil
}

func (p *progbar) reset(target int) {
	p.target = target
	p.start = p.clock()
	p.afterFirst = time.Time{}
	p.lastUpdate = time.Time{}
	p.endTime = time.Time{}
	p.width = 0
	p.current = 0
}

func (p *progbar) OnBatchEnd(t *Training, batch int, logs *Logs) error {
	p.update(batch+1, logs, false)
	return nil
}

func (p *progbar) OnEpochEnd(t *Training, epoch int, logs *Logs) error {
	p.update(p.current, logs, true)
	return nil
}

// update draws the bar for current finished steps, as Progbar.update does.
func (p *progbar) update(current int, logs *Logs, finalize bool) {
	now := p.clock()
	p.current = current
	if current == p.target && p.endTime.IsZero() {
		p.endTime = now
	}
	perStep := p.stepDuration(current, now)
	if p.verbose == LinePerEpoch {
		if finalize {
			p.lineEpoch(current, logs, now, perStep)
		}
		return
	}
	if !finalize && (!p.dynamic || now.Sub(p.lastUpdate) < 50*time.Millisecond) {
		return
	}
	p.lastUpdate = now
	var b strings.Builder
	if p.dynamic {
		b.WriteString(strings.Repeat("\b", p.width))
		b.WriteString("\r")
	}
	bar := p.bar(current)
	var info strings.Builder
	if finalize {
		fmt.Fprintf(&info, " - %.0fs", now.Sub(p.start).Seconds())
		info.WriteString(formatStepTime(perStep, "step"))
	} else {
		info.WriteString(" - ETA: " + formatETA(perStep*float64(p.target-current)))
	}
	writeValues(&info, logs, false)
	width := len(bar) + info.Len()
	b.WriteString(bar)
	b.WriteString(info.String())
	if p.width > width {
		b.WriteString(strings.Repeat(" ", p.width-width))
	}
	p.width = width
	if finalize {
		b.WriteString("\n")
	}
	io.WriteString(p.out, b.String())
}

// lineEpoch is verbose=2's one line: "50/50 - 12s - loss: ... - 12s/epoch - 240ms/step".
func (p *progbar) lineEpoch(current int, logs *Logs, now time.Time, perStep float64) {
	var b strings.Builder
	digits := int(math.Log10(float64(max(p.target, 1)))) + 1
	fmt.Fprintf(&b, "%*d/%d - %.0fs", digits, current, p.target, now.Sub(p.start).Seconds())
	writeValues(&b, logs, true)
	if !p.endTime.IsZero() && p.target > 0 {
		epoch := p.endTime.Sub(p.start).Seconds()
		b.WriteString(" -" + formatStepTime(epoch, "epoch"))
		b.WriteString(" -" + formatStepTime(epoch/float64(p.target), "step"))
	}
	b.WriteString("\n")
	io.WriteString(p.out, b.String())
}

func (p *progbar) bar(current int) string {
	digits := int(math.Log10(float64(max(p.target, 1)))) + 1
	s := fmt.Sprintf("%*d/%d [", digits, current, p.target)
	filled := 0
	if p.target > 0 {
		filled = int(progbarWidth * float64(current) / float64(p.target))
	}
	if filled > 0 {
		s += strings.Repeat("=", filled-1)
		if current < p.target {
			s += ">"
		} else {
			s += "="
		}
	}
	return s + strings.Repeat(".", max(progbarWidth-filled, 0)) + "]"
}

// stepDuration estimates seconds per step, excluding the first step once there is more
// than one (its time includes warm-up), as Keras ≥ 2.6 does.
func (p *progbar) stepDuration(current int, now time.Time) float64 {
	if current == 0 {
		return 0
	}
	var d float64
	if !p.afterFirst.IsZero() && current > 1 {
		d = now.Sub(p.afterFirst).Seconds() / float64(current-1)
	} else {
		d = now.Sub(p.start).Seconds() / float64(current)
	}
	if current == 1 && p.afterFirst.IsZero() {
		p.afterFirst = now
	}
	return d
}

func writeValues(b *strings.Builder, logs *Logs, signed bool) {
	if logs == nil {
		return
	}
	for _, k := range logs.Keys() {
		v, _ := logs.Get(k)
		big := math.Abs(v) > 1e-3
		if signed {
			big = v > 1e-3
		}
		if big {
			fmt.Fprintf(b, " - %s: %.4f", k, v)
		} else {
			fmt.Fprintf(b, " - %s: %.4e", k, v)
		}
	}
}

// formatStepTime is Keras's _format_time: " 240ms/step".
func formatStepTime(seconds float64, unit string) string {
	switch {
	case seconds >= 1 || seconds == 0:
		return fmt.Sprintf(" %.0fs/%s", seconds, unit)
	case seconds >= 1e-3:
		return fmt.Sprintf(" %.0fms/%s", seconds*1e3, unit)
	default:
		return fmt.Sprintf(" %.0fus/%s", seconds*1e6, unit)
	}
}

func formatETA(eta float64) string {
	switch {
	case eta > 3600:
		return fmt.Sprintf("%d:%02d:%02d", int(eta)/3600, int(math.Mod(eta, 3600))/60, int(math.Mod(eta, 60)))
	case eta > 60:
		return fmt.Sprintf("%d:%02d", int(eta)/60, int(math.Mod(eta, 60)))
	default:
		return fmt.Sprintf("%ds", int(eta))
	}
}

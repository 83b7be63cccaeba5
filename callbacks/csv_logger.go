package callbacks

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"

	"github.com/org/gotl/internal/atomicfile"
	"github.com/org/gotl/nn"
)

// CSVLoggerConfig holds CSVLogger's arguments; the zero value of each field is Keras's
// default.
type CSVLoggerConfig struct {
	// Separator separates the fields (default ',').
	Separator rune
	// Append keeps the file's lines and adds to them (to go on with a resumed run); the
	// header is written only when the file is empty or absent.
	Append bool
}

// CSVLogger is Keras's CSVLogger: one row per epoch with the epoch (0-based) and the epoch
// logs' values, the columns being "epoch" and the logs' keys sorted, as they are at the
// first epoch's end (keys that callbacks after the logger add are not seen: put it last).
// Values are written as Python writes floats (repr: 0.33389577269554138, nan, inf); a key
// missing from an epoch's logs is written "NA" (Keras writes NA when training stops and
// fails otherwise). Lines end in "\r\n", Python's csv dialect "excel". The file is
// rewritten atomically at the start of training and at every epoch end, so it is never
// half-written.
type CSVLogger struct {
	nn.CallbackBase
	filename string
	cfg      CSVLoggerConfig

	content []byte   // what the file holds
	keys    []string // nil until the first epoch end
	header  bool     // write the header with the first row
}

// NewCSVLogger returns a CSVLogger writing to filename.
func NewCSVLogger(filename string, cfg CSVLoggerConfig) (*CSVLogger, error) {
	if filename == "" {
		return nil, errors.New("callbacks: CSVLogger: empty filename")
	}
	if cfg.Separator == 0 {
		cfg.Separator = ','
	}
	if cfg.Separator == '"' || cfg.Separator == '\r' || cfg.Separator == '\n' || cfg.Separator == 0xFFFD {
		return nil, fmt.Errorf("callbacks: CSVLogger: Separator %q cannot separate CSV fields", cfg.Separator)
	}
	return &CSVLogger{filename: filename, cfg: cfg}, nil
}

func (c *CSVLogger) OnTrainBegin(t *nn.Training) error {
	c.content, c.keys, c.header = nil, nil, true
	if c.cfg.Append {
		old, err := os.ReadFile(c.filename)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("callbacks: CSVLogger: %w", err)
		}
		c.content = old
		c.header = len(old) == 0
	}
	return c.write()
}

func (c *CSVLogger) OnEpochEnd(t *nn.Training, epoch int, logs *nn.Logs) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = c.cfg.Separator
	w.UseCRLF = true
	if c.keys == nil {
		c.keys = append([]string(nil), logs.Keys()...)
		sort.Strings(c.keys)
		if c.header {
			w.Write(append([]string{"epoch"}, c.keys...))
		}
	}
	row := []string{strconv.Itoa(epoch)}
	for _, k := range c.keys {
		if v, ok := logs.Get(k); ok {
			row = append(row, pyRepr(v))
		} else {
			row = append(row, "NA")
		}
	}
	w.Write(row)
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("callbacks: CSVLogger: %w", err)
	}
	c.content = append(c.content, buf.Bytes()...)
	return c.write()
}

func (c *CSVLogger) write() error {
	err := atomicfile.Write(c.filename, func(w io.Writer) error {
		_, err := w.Write(c.content)
		return err
	})
	if err != nil {
		return fmt.Errorf("callbacks: CSVLogger: %w", err)
	}
	return nil
}

// Command gotl is gotl's command-line face:
//
//	gotl summary -config model.json
//	gotl predict -config model.json -weights DIR|FILE.npz -input x.npy -output y.npy [-batch N]
//	gotl summary|predict|layers -model NAME ...    (a keras.applications model, see zoo.go)
//
// summary prints a Keras model's summary; predict runs a Keras model (its model.to_json()
// plus weights in gotl's layout, see tools/keras2npy.py) on an NHWC float32 .npy input and
// writes the float32 output; layers prints a zoo model's layers with variables as JSON.
// The exit status is 0 on success, 1 on an error (printed to stderr) and 2 on a usage
// error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"gorgonia.org/tensor"

	"github.com/org/gotl/internal/npy"
	_ "github.com/org/gotl/layers" // registers the Keras layer classes
	"github.com/org/gotl/nn"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  gotl summary -config model.json
  gotl predict -config model.json -weights DIR|FILE.npz -input x.npy -output y.npy [-batch N]
  gotl summary -model NAME [-include-top] [-pooling avg|max] [-classes N] [-input-shape H,W,C]
  gotl predict -model NAME [...] -weights DIR|FILE.npz -input x.npy -output y.npy [-batch N] [-preprocess] [-decode K]
  gotl layers -model NAME [...]
`

// errUsage marks errors in the command line (exit status 2).
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "summary":
		if zooArgs(args[1:]) {
			err = zooSummary(args[1:], stdout, stderr)
		} else {
			err = summary(args[1:], stdout, stderr)
		}
	case "predict":
		if zooArgs(args[1:]) {
			err = zooPredict(ctx, args[1:], stdout, stderr)
		} else {
			err = predict(ctx, args[1:], stdout, stderr)
		}
	case "layers":
		err = zooLayers(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gotl: unknown command %q\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp):
		return 2
	default:
		fmt.Fprintf(stderr, "gotl %s: %v\n", args[0], err)
		return 1
	}
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("gotl "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string, required ...string) error {
	if err := fs.Parse(args); err != nil {
		return errUsage // the flag package has printed the error and the usage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	for _, name := range required {
		if fs.Lookup(name).Value.String() == "" {
			fmt.Fprintf(fs.Output(), "%s: -%s is required\n", fs.Name(), name)
			fs.Usage()
			return errUsage
		}
	}
	return nil
}

// loadModel builds the model described by a Keras JSON file.
func loadModel(config string) (*nn.Model, error) {
	data, err := os.ReadFile(config)
	if err != nil {
		return nil, err
	}
	m, err := nn.FromKerasJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", config, err)
	}
	return m, nil
}

func summary(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("summary", stderr)
	config := fs.String("config", "", "Keras model JSON (model.to_json())")
	if err := parse(fs, args, "config"); err != nil {
		return err
	}
	m, err := loadModel(*config)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, m.Summary())
	return err
}

func predict(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("predict", stderr)
	config := fs.String("config", "", "Keras model JSON (model.to_json())")
	weights := fs.String("weights", "", "weights: a directory of <layer>/<variable>.npy or an .npz archive")
	input := fs.String("input", "", "input batch, NHWC float32 .npy")
	output := fs.String("output", "", "where to write the output .npy (float32)")
	batch := fs.Int("batch", 32, "batch size")
	if err := parse(fs, args, "config", "weights", "input", "output"); err != nil {
		return err
	}
	if *batch <= 0 {
		fmt.Fprintf(stderr, "gotl predict: -batch must be > 0, got %d\n", *batch)
		return errUsage
	}
	m, err := loadModel(*config)
	if err != nil {
		return err
	}
	if err := m.LoadWeights(*weights); err != nil {
		return err
	}
	return predictFile(ctx, m, *input, *output, *batch)
}

// predictFile runs m on the array in the input file and writes the output file.
func predictFile(ctx context.Context, m *nn.Model, input, output string, batch int) error {
	x, err := npy.ReadFile(input)
	if err != nil {
		return err
	}
	if len(x.Shape) == 0 {
		return fmt.Errorf("%s: a scalar is not a batch of inputs", input)
	}
	in := tensor.New(tensor.WithShape(x.Shape...), tensor.WithBacking(x.Data))
	y, err := m.Predict(ctx, in, batch)
	if err != nil {
		return fmt.Errorf("%s: %w", input, err)
	}
	return npy.WriteFile(output, npy.Array{Shape: y.Shape().Clone(), Data: y.Data().([]float32)})
}

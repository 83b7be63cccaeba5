package main

// The zoo forms of the commands: a keras.applications model by name instead of a Keras
// JSON file.
//
//	gotl summary -model NAME [-include-top] [-pooling avg|max] [-classes N] [-input-shape H,W,C]
//	gotl predict -model NAME [...] -weights DIR|FILE.npz -input x.npy -output y.npy [-batch N]
//	             [-preprocess] [-decode K]
//	gotl layers  -model NAME [...]

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"gorgonia.org/tensor"

	"github.com/org/gotl/internal/npy"
	"github.com/org/gotl/zoo"
)

// zooArgs reports whether a command line names a zoo model (-model NAME), which selects
// the zoo form of summary and predict.
func zooArgs(args []string) bool {
	for _, a := range args {
		if a == "--" {
			break
		}
		name := strings.TrimLeft(a, "-")
		if name != a && (name == "model" || strings.HasPrefix(name, "model=")) {
			return true
		}
	}
	return false
}

// zooFlags are the builder's arguments on the command line.
type zooFlags struct {
	model, pooling, inputShape string
	includeTop                 bool
	classes                    int
}

func addZooFlags(fs *flag.FlagSet) *zooFlags {
	z := &zooFlags{}
	fs.StringVar(&z.model, "model", "", "zoo model: "+strings.Join(zoo.Names(), ", "))
	fs.BoolVar(&z.includeTop, "include-top", false, "add the ImageNet classifier (Keras's include_top)")
	fs.StringVar(&z.pooling, "pooling", "none", "without the top: none, avg or max")
	fs.IntVar(&z.classes, "classes", 0, "with the top: the number of classes (default 1000)")
	fs.StringVar(&z.inputShape, "input-shape", "", "H,W,C (-1 for any H or W without the top); default: Keras's")
	return z
}

// config turns the flags into a zoo.Config; a bad value is a usage error.
func (z *zooFlags) config(stderr io.Writer, cmd string) (zoo.Config, error) {
	cfg := zoo.Config{IncludeTop: z.includeTop, Classes: z.classes}
	p, err := zoo.ParsePooling(z.pooling)
	if err != nil {
		fmt.Fprintf(stderr, "gotl %s: -pooling: %v\n", cmd, err)
		return cfg, errUsage
	}
	cfg.Pooling = p
	if z.inputShape != "" {
		for _, f := range strings.Split(z.inputShape, ",") {
			d, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				fmt.Fprintf(stderr, "gotl %s: -input-shape %q: want H,W,C such as 224,224,3\n", cmd, z.inputShape)
				return cfg, errUsage
			}
			cfg.InputShape = append(cfg.InputShape, d)
		}
	}
	return cfg, nil
}

func zooSummary(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("summary", stderr)
	z := addZooFlags(fs)
	if err := parse(fs, args, "model"); err != nil {
		return err
	}
	cfg, err := z.config(stderr, "summary")
	if err != nil {
		return err
	}
	m, err := zoo.Build(z.model, cfg)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, m.Summary())
	return err
}

// zooLayers prints the model's layers with variables, in Keras's order, as the JSON
// tools/keras2npy.py reads (--layers).
func zooLayers(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("layers", stderr)
	z := addZooFlags(fs)
	if err := parse(fs, args, "model"); err != nil {
		return err
	}
	cfg, err := z.config(stderr, "layers")
	if err != nil {
		return err
	}
	m, err := zoo.Build(z.model, cfg)
	if err != nil {
		return err
	}
	list, err := zoo.Layers(m)
	if err != nil {
		return err
	}
	data, err := list.JSON()
	if err != nil {
		return err
	}
	_, err = stdout.Write(data)
	return err
}

func zooPredict(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("predict", stderr)
	z := addZooFlags(fs)
	weights := fs.String("weights", "", "weights: a directory of <layer>/<variable>.npy or an .npz archive (tools/keras2npy.py converts Keras's .h5)")
	input := fs.String("input", "", "input batch, NHWC float32 .npy")
	output := fs.String("output", "", "where to write the output .npy (float32)")
	batch := fs.Int("batch", 32, "batch size")
	preprocess := fs.Bool("preprocess", false, "the input holds RGB values in [0, 255]: apply the model's preprocess_input first")
	decode := fs.Int("decode", 0, "print the top K ImageNet classes of each sample (1000-class outputs)")
	if err := parse(fs, args, "model", "weights", "input", "output"); err != nil {
		return err
	}
	if *batch <= 0 || *decode < 0 {
		fmt.Fprintf(stderr, "gotl predict: -batch must be > 0 and -decode >= 0, got %d and %d\n", *batch, *decode)
		return errUsage
	}
	cfg, err := z.config(stderr, "predict")
	if err != nil {
		return err
	}
	cfg.Weights = *weights
	m, err := zoo.Build(z.model, cfg)
	if err != nil {
		return err
	}
	if !*preprocess && *decode == 0 {
		return predictFile(ctx, m, *input, *output, *batch)
	}
	x, err := npy.ReadFile(*input)
	if err != nil {
		return err
	}
	if len(x.Shape) == 0 {
		return fmt.Errorf("%s: a scalar is not a batch of inputs", *input)
	}
	in := tensor.New(tensor.WithShape(x.Shape...), tensor.WithBacking(x.Data))
	if *preprocess {
		info, _ := zoo.InfoOf(m)
		if err := info.Preprocess.Apply(in); err != nil {
			return fmt.Errorf("%s: %w", *input, err)
		}
	}
	y, err := m.Predict(ctx, in, *batch)
	if err != nil {
		return fmt.Errorf("%s: %w", *input, err)
	}
	if err := npy.WriteFile(*output, npy.Array{Shape: y.Shape().Clone(), Data: y.Data().([]float32)}); err != nil {
		return err
	}
	if *decode > 0 {
		return printDecoded(stdout, y, *decode)
	}
	return nil
}

// printDecoded prints decode_predictions: one line per class, "sample rank wnid name score".
func printDecoded(w io.Writer, y *tensor.Dense, top int) error {
	rows, err := zoo.DecodePredictions(y, top)
	if err != nil {
		return err
	}
	for i, row := range rows {
		for j, p := range row {
			if _, err := fmt.Fprintf(w, "%d %d %s %s %.6f\n", i, j+1, p.ID, p.Name, p.Score); err != nil {
				return err
			}
		}
	}
	return nil
}

package nn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"gorgonia.org/tensor"
)

// LogitsOutput is implemented by layers whose output ends in an activation that a loss can
// fuse with (Dense or Activation with softmax or sigmoid). Compile fuses them when the
// loss is a LogitsLoss for that activation, as tf.keras ≥ 2.6 does.
type LogitsOutput interface {
	Layer
	// OutputActivation names the final activation ("softmax", "sigmoid", ...).
	OutputActivation() string
	// Logits is the input of the final activation in the last Forward.
	Logits() *Tensor
	// SetGradientOfLogits makes Backward take dy as the gradient of the logits (the
	// activation's backward is then skipped).
	SetGradientOfLogits(bool)
}

// compiled is what Compile fixes for Fit and Evaluate.
type compiled struct {
	optimizer Optimizer
	loss      Loss
	metrics   []Metric
	fused     LogitsLoss
	output    LogitsOutput
	trainVars []*Variable

	inputs                                   []*Tensor
	dOut                                     *Tensor
	pred, logits, target, grad, losses, rowW []float64
}

// Compile sets the optimizer, the loss and the metrics for Fit and Evaluate (Keras's
// compile). It captures the trainable state: after freezing or unfreezing layers, call
// Compile again (Fit reports an error otherwise, where Keras silently keeps the old state).
// optimizer may be nil for a model that is only evaluated.
func (m *Model) Compile(optimizer Optimizer, loss Loss, metrics ...Metric) error {
	if loss == nil {
		return fmt.Errorf("nn: model %q: Compile needs a loss", m.Name())
	}
	if len(m.outputs) != 1 {
		return fmt.Errorf("nn: model %q: Compile supports models with one output; this one has %d", m.Name(), len(m.outputs))
	}
	names := map[string]bool{"loss": true}
	for _, mt := range metrics {
		if mt == nil {
			return fmt.Errorf("nn: model %q: nil metric", m.Name())
		}
		if names[mt.Name()] {
			return fmt.Errorf("nn: model %q: two metrics log as %q", m.Name(), mt.Name())
		}
		names[mt.Name()] = true
	}
	c := &compiled{optimizer: optimizer, loss: loss, metrics: metrics, trainVars: m.TrainableVariables()}
	if prev := m.compiled; prev != nil && prev.output != nil {
		prev.output.SetGradientOfLogits(false)
	}
	if ll, ok := loss.(LogitsLoss); ok {
		if out, ok := m.outputs[0].layer.(LogitsOutput); ok && out.OutputActivation() == ll.Activation() {
			c.fused, c.output = ll, out
			out.SetGradientOfLogits(true)
		}
	}
	m.compiled = c
	return nil
}

// Optimizer is the optimizer given to Compile (nil before).
func (m *Model) Optimizer() Optimizer {
	if m.compiled == nil {
		return nil
	}
	return m.compiled.optimizer
}

// MetricNames lists the log keys of an epoch without validation: "loss" and the metrics.
func (m *Model) MetricNames() []string {
	if m.compiled == nil {
		return nil
	}
	names := []string{"loss"}
	for _, mt := range m.compiled.metrics {
		names = append(names, mt.Name())
	}
	return names
}

// FitConfig holds Fit's arguments; the zero value of each field is Keras's default.
type FitConfig struct {
	// Epochs is the index of the last epoch plus one, as in Keras (default 1).
	Epochs int
	// InitialEpoch is the epoch to start at (fine-tuning continues a run: Epochs 40,
	// InitialEpoch 20 runs 20 epochs shown as Epoch 21/40 ...).
	InitialEpoch int
	// StepsPerEpoch is the number of batches per epoch (default: the dataset's Len).
	StepsPerEpoch int
	// Validation is evaluated after each epoch (in inference mode) when not nil.
	Validation Dataset
	// ValidationSteps is the number of validation batches (default: its Len).
	ValidationSteps int
	// ValidationFreq runs validation every N epochs (default 1).
	ValidationFreq int
	// Callbacks run in order, before the History and the progress bar.
	Callbacks []Callback
	// ClassWeight weighs each sample's loss by the weight of its class.
	ClassWeight map[int]float64
	// Verbose selects the output (default: the progress bar).
	Verbose Verbosity
	// Output receives the progress bar and callback messages (default os.Stdout).
	Output io.Writer
	// Resume names a checkpoint (see checkpoint.go; ModelCheckpoint writes them) to go on
	// from: before the first epoch Fit restores the weights, the optimizer's state, the
	// dropout stream and the callbacks' state, and starts where the checkpoint says
	// (InitialEpoch must then be 0 or that epoch). Keep the model, datasets, seeds, optimizer
	// and callbacks of the run that wrote it, and the result is that run's, bit for bit on
	// the CPU. To start a new phase from a checkpoint's weights (fine-tuning with a new
	// optimizer), use LoadWeights instead.
	Resume string
}

// Fit trains the model (Keras's fit). It stops early when ctx is cancelled, after the
// current step, leaving the model in a valid state, and returns ctx's error with the
// history so far.
func (m *Model) Fit(ctx context.Context, train Dataset, cfg FitConfig) (*History, error) {
	c := m.compiled
	if c == nil {
		return nil, fmt.Errorf("nn: model %q: call Compile before Fit", m.Name())
	}
	if c.optimizer == nil {
		return nil, fmt.Errorf("nn: model %q: Fit needs an optimizer; Compile was given none", m.Name())
	}
	if !sameVariables(c.trainVars, m.TrainableVariables()) {
		return nil, fmt.Errorf("nn: model %q: the trainable layers changed since Compile; call Compile again (Keras would silently train the layers trainable at compile time)", m.Name())
	}
	if train == nil {
		return nil, fmt.Errorf("nn: model %q: Fit needs a training dataset", m.Name())
	}
	epochs := cfg.Epochs
	if epochs == 0 {
		epochs = 1
	}
	if epochs < 0 || cfg.InitialEpoch < 0 || cfg.InitialEpoch > epochs {
		return nil, fmt.Errorf("nn: Fit: InitialEpoch %d and Epochs %d: need 0 <= InitialEpoch <= Epochs", cfg.InitialEpoch, epochs)
	}
	steps, err := stepsFor("StepsPerEpoch", cfg.StepsPerEpoch, train)
	if err != nil {
		return nil, err
	}
	valSteps := 0
	if cfg.Validation != nil {
		if valSteps, err = stepsFor("ValidationSteps", cfg.ValidationSteps, cfg.Validation); err != nil {
			return nil, err
		}
	}
	freq := cfg.ValidationFreq
	if freq <= 0 {
		freq = 1
	}
	out := cfg.Output
	if out == nil {
		out = os.Stdout
	}
	history := &History{}
	callbacks := append(append([]Callback(nil), cfg.Callbacks...), history)
	if cfg.Verbose != Silent {
		callbacks = append(callbacks, newProgbar(out, cfg.Verbose))
	}
	keys := m.MetricNames()
	if cfg.Validation != nil {
		for _, k := range m.MetricNames() {
			keys = append(keys, "val_"+k)
		}
	}
	initial := cfg.InitialEpoch
	var resumed *resumePoint
	if cfg.Resume != "" {
		if resumed, err = m.resume(cfg.Resume, cfg.InitialEpoch, epochs, steps); err != nil {
			return nil, err
		}
		initial = resumed.epoch
	}
	t := &Training{Model: m, Epochs: epochs, InitialEpoch: initial, Steps: steps, Verbose: cfg.Verbose, Out: out, LogKeys: keys}
	t.beginFit(callbacks)
	m.planBackward(m.noInputGrads())
	for _, cb := range callbacks {
		if err := cb.OnTrainBegin(t); err != nil {
			return history, err
		}
	}
	if resumed != nil {
		if err := resumed.restoreCallbacks(t); err != nil {
			return history, err
		}
	}
	ctxTrain := &Context{Training: true}
	for epoch := initial; epoch < epochs && !t.StopTraining; epoch++ {
		t.Epoch = epoch
		// Fit's dropout stream is a function of the seed and the epoch (checkpoint.go).
		ctxTrain.rng = t.beginEpoch(epoch, resumed)
		firstStep := 0
		if resumed != nil && epoch == resumed.epoch {
			firstStep = resumed.step
		}
		if s, ok := train.(EpochSetter); ok {
			s.SetEpoch(epoch)
		}
		var lossSum, lossCount float64
		for _, mt := range c.metrics {
			mt.Reset()
		}
		for _, cb := range callbacks {
			if err := cb.OnEpochBegin(t, epoch); err != nil {
				return history, err
			}
		}
		for step := firstStep; step < steps; step++ {
			if err := ctx.Err(); err != nil {
				return history, err
			}
			for _, cb := range callbacks {
				if err := cb.OnBatchBegin(t, step); err != nil {
					return history, err
				}
			}
			batch, err := train.Batch(ctx, step)
			if err != nil {
				return history, fmt.Errorf("nn: Fit: epoch %d, batch %d: %w", epoch+1, step, err)
			}
			loss, n, err := m.step(ctxTrain, batch, true, cfg.ClassWeight)
			if err != nil {
				return history, fmt.Errorf("nn: Fit: epoch %d, batch %d: %w", epoch+1, step, err)
			}
			lossSum += loss * float64(n)
			lossCount += float64(n)
			logs := m.logs("", lossSum/lossCount)
			for _, cb := range callbacks {
				if err := cb.OnBatchEnd(t, step, logs); err != nil {
					return history, err
				}
			}
			if t.StopTraining {
				break
			}
			if step+1 < steps {
				if err := t.flushCheckpoints(epoch, step+1); err != nil {
					return history, err
				}
			}
		}
		logs := m.logs("", lossSum/max(lossCount, 1))
		if cfg.Validation != nil && (epoch+1)%freq == 0 {
			if s, ok := cfg.Validation.(EpochSetter); ok {
				s.SetEpoch(epoch)
			}
			val, err := m.evaluate(ctx, cfg.Validation, valSteps, nil)
			if err != nil {
				return history, fmt.Errorf("nn: Fit: validation after epoch %d: %w", epoch+1, err)
			}
			for _, k := range val.Keys() {
				v, _ := val.Get(k)
				logs.Set("val_"+k, v)
			}
		}
		for _, cb := range callbacks {
			if err := cb.OnEpochEnd(t, epoch, logs); err != nil {
				return history, err
			}
		}
		if err := t.flushCheckpoints(epoch+1, 0); err != nil {
			return history, err
		}
	}
	for _, cb := range callbacks {
		if err := cb.OnTrainEnd(t); err != nil {
			return history, err
		}
	}
	return history, nil
}

func stepsFor(field string, steps int, ds Dataset) (int, error) {
	n := ds.Len()
	if steps == 0 {
		steps = n
	}
	if steps < 0 || steps > n {
		return 0, fmt.Errorf("nn: %s %d: the dataset has %d batches", field, steps, n)
	}
	if steps == 0 {
		return 0, fmt.Errorf("nn: the dataset for %s has no batches", field)
	}
	return steps, nil
}

func sameVariables(a, b []*Variable) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// logs returns the running loss and metric results under prefix.
func (m *Model) logs(prefix string, loss float64) *Logs {
	l := NewLogs()
	l.Set(prefix+"loss", loss)
	for _, mt := range m.compiled.metrics {
		l.Set(prefix+mt.Name(), mt.Result())
	}
	return l
}

// TrainOnBatch runs one training step on a batch (Keras's train_on_batch): forward in
// training mode, loss, backward and one optimizer update. It returns the batch loss; the
// compiled metrics accumulate the batch.
func (m *Model) TrainOnBatch(b *Batch) (float64, error) {
	c := m.compiled
	if c == nil || c.optimizer == nil {
		return 0, fmt.Errorf("nn: model %q: call Compile with an optimizer before TrainOnBatch", m.Name())
	}
	if !sameVariables(c.trainVars, m.TrainableVariables()) {
		return 0, fmt.Errorf("nn: model %q: the trainable layers changed since Compile; call Compile again", m.Name())
	}
	if !m.planned || !equalBools(m.plannedFor, m.noInputGrads()) {
		m.planBackward(m.noInputGrads())
	}
	loss, _, err := m.step(&Context{Training: true, rng: m.rng}, b, true, nil)
	return loss, err
}

// noInputGrads is the plan of a top-level model: no input needs a gradient.
func (m *Model) noInputGrads() []bool {
	if len(m.noGrads) != len(m.inputs) {
		m.noGrads = make([]bool, len(m.inputs))
	}
	return m.noGrads
}

// EvaluateConfig holds Evaluate's arguments.
type EvaluateConfig struct {
	// Steps is the number of batches (default: the dataset's Len).
	Steps int
	// Verbose selects the output; unlike Fit the default (zero) is a progress bar too.
	Verbose Verbosity
	Output  io.Writer
}

// Evaluate computes the loss and metrics over a dataset in inference mode (Keras's
// evaluate): each is the mean over samples.
func (m *Model) Evaluate(ctx context.Context, ds Dataset, cfg EvaluateConfig) (*Logs, error) {
	if m.compiled == nil {
		return nil, fmt.Errorf("nn: model %q: call Compile before Evaluate", m.Name())
	}
	steps, err := stepsFor("Steps", cfg.Steps, ds)
	if err != nil {
		return nil, err
	}
	var bar *progbar
	if cfg.Verbose != Silent {
		out := cfg.Output
		if out == nil {
			out = os.Stdout
		}
		bar = newProgbar(out, cfg.Verbose)
		bar.reset(steps)
	}
	logs, err := m.evaluate(ctx, ds, steps, bar)
	if err != nil {
		return nil, err
	}
	if bar != nil {
		bar.update(steps, logs, true)
	}
	return logs, nil
}

func (m *Model) evaluate(ctx context.Context, ds Dataset, steps int, bar *progbar) (*Logs, error) {
	c := m.compiled
	for _, mt := range c.metrics {
		mt.Reset()
	}
	ctxInfer := &Context{Training: false, rng: m.rng}
	var lossSum, count float64
	for i := 0; i < steps; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch, err := ds.Batch(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", i, err)
		}
		loss, n, err := m.step(ctxInfer, batch, false, nil)
		if err != nil {
			return nil, fmt.Errorf("batch %d: %w", i, err)
		}
		lossSum += loss * float64(n)
		count += float64(n)
		if bar != nil {
			bar.update(i+1, m.logs("", lossSum/count), false)
		}
	}
	return m.logs("", lossSum/max(count, 1)), nil
}

// step runs one batch: forward, loss and metrics, and when train is set backward and
// the optimizer update. It returns the batch loss (Σ w·ℓ / rows) and the batch size.
func (m *Model) step(ctx *Context, b *Batch, train bool, classWeight map[int]float64) (float64, int, error) {
	c := m.compiled
	ins, n, err := m.upload(b.X, &c.inputs)
	if err != nil {
		return 0, 0, err
	}
	outs, err := m.forward(ctx, ins)
	if err != nil {
		return 0, 0, err
	}
	out := outs[0]
	k := out.Shape[len(out.Shape)-1]
	total := out.Len()
	rows := total / k
	c.pred = grow(c.pred, total)
	m.backend.Download64(c.pred, out.Buf)

	if b.Y == nil {
		return 0, 0, errors.New("the batch has no targets")
	}
	tw := c.loss.TargetWidth(k)
	y, err := denseData(b.Y, "targets")
	if err != nil {
		return 0, 0, err
	}
	if len(y) != rows*tw || b.Y.Shape()[0] != n {
		want := append(append([]int{n}, out.Shape[1:len(out.Shape)-1]...), tw)
		return 0, 0, fmt.Errorf("targets of shape %v do not fit output %s under %s (want %v)", b.Y.Shape(), shapeString(out.Shape), c.loss.Name(), want)
	}
	c.target = grow(c.target, len(y))
	for i, v := range y {
		c.target[i] = float64(v)
	}
	c.rowW = grow(c.rowW, rows)
	perSample := rows / n
	for r := range c.rowW {
		w := 1.0
		if b.SampleWeights != nil {
			if len(b.SampleWeights) != n {
				return 0, 0, fmt.Errorf("%d sample weights for a batch of %d", len(b.SampleWeights), n)
			}
			w = float64(b.SampleWeights[r/perSample])
		}
		if classWeight != nil {
			cls := int(c.target[r])
			if tw > 1 {
				cls = argmax(c.target[r*tw : (r+1)*tw])
			}
			if cw, ok := classWeight[cls]; ok {
				w *= cw
			}
		}
		c.rowW[r] = w
	}
	c.losses = grow(c.losses, rows)
	var grad []float64
	if train {
		c.grad = grow(c.grad, total)
		grad = c.grad
	}
	if c.fused != nil {
		c.logits = grow(c.logits, total)
		m.backend.Download64(c.logits, c.output.Logits().Buf)
		err = c.fused.EvalLogits(c.target, tw, c.logits, k, c.losses, grad)
	} else {
		err = c.loss.Eval(c.target, tw, c.pred, k, c.losses, grad)
	}
	if err != nil {
		return 0, 0, err
	}
	loss := 0.0
	for r, l := range c.losses {
		loss += c.rowW[r] * l
	}
	loss /= float64(rows)
	weights := c.rowW
	if b.SampleWeights == nil && classWeight == nil {
		weights = nil
	}
	for _, mt := range c.metrics {
		mt.Update(c.target, tw, c.pred, k, weights)
	}
	if !train {
		return loss, n, nil
	}
	for r := 0; r < rows; r++ {
		s := c.rowW[r] / float64(rows)
		for j := r * k; j < (r+1)*k; j++ {
			grad[j] *= s
		}
	}
	c.dOut = m.Ensure(c.dOut, out.Shape...)
	m.backend.Upload64(c.dOut.Buf, grad)
	if _, err := m.backward(ctx, []*Tensor{c.dOut}); err != nil {
		return 0, 0, err
	}
	if err := c.optimizer.Apply(c.trainVars); err != nil {
		return 0, 0, err
	}
	return loss, n, nil
}

// upload checks a batch's inputs against the model's and copies them to the backend.
func (m *Model) upload(xs []*tensor.Dense, dst *[]*Tensor) ([]*Tensor, int, error) {
	if len(xs) != len(m.inputs) {
		return nil, 0, fmt.Errorf("the model takes %d inputs, the batch has %d", len(m.inputs), len(xs))
	}
	if len(*dst) != len(xs) {
		*dst = make([]*Tensor, len(xs))
	}
	n := -1
	for i, x := range xs {
		in := m.inputs[i]
		if x == nil {
			return nil, 0, fmt.Errorf("input %d %q is nil", i, in.layer.Name())
		}
		shape := x.Shape()
		if len(shape) != len(in.shape)+1 || !in.shape.Compatible(Shape(shape[1:])) {
			return nil, 0, &ShapeError{Layer: fmt.Sprintf("InputLayer %q", in.layer.Name()), Want: "input of shape " + in.shape.String(), Got: shapeString(shape)}
		}
		if n >= 0 && shape[0] != n {
			return nil, 0, fmt.Errorf("inputs have different batch sizes (%d and %d)", n, shape[0])
		}
		n = shape[0]
		data, err := denseData(x, fmt.Sprintf("input %d %q", i, in.layer.Name()))
		if err != nil {
			return nil, 0, err
		}
		t := m.Ensure((*dst)[i], shape...)
		m.backend.Upload(t.Buf, data)
		(*dst)[i] = t
	}
	if n <= 0 {
		return nil, 0, errors.New("empty batch")
	}
	return *dst, n, nil
}

// denseData returns the float32 values of t in C order.
func denseData(t *tensor.Dense, what string) ([]float32, error) {
	if t.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("%s: dtype %v, want float32", what, t.Dtype())
	}
	if t.Shape().TotalSize() == 0 {
		return nil, fmt.Errorf("%s: shape %v holds no values", what, t.Shape()) // t.Data() would panic
	}
	if t.IsView() || !t.IsNativelyAccessible() {
		t = t.Materialize().(*tensor.Dense)
	}
	data, ok := t.Data().([]float32)
	if !ok {
		return nil, fmt.Errorf("%s: not a float32 slice", what)
	}
	return data[:t.Shape().TotalSize()], nil
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// Predict runs the model in inference mode over x in batches of batchSize (Keras's
// default 32 when 0) and returns the outputs, one row per sample of x, in order.
// The model must have one input and one output (see PredictAll).
func (m *Model) Predict(ctx context.Context, x *tensor.Dense, batchSize int) (*tensor.Dense, error) {
	outs, err := m.PredictAll(ctx, []*tensor.Dense{x}, batchSize)
	if err != nil {
		return nil, err
	}
	if len(outs) != 1 {
		return nil, fmt.Errorf("nn: model %q has %d outputs; use PredictAll", m.Name(), len(outs))
	}
	return outs[0], nil
}

// PredictAll is Predict for models with several inputs or outputs.
func (m *Model) PredictAll(ctx context.Context, xs []*tensor.Dense, batchSize int) ([]*tensor.Dense, error) {
	if batchSize <= 0 {
		batchSize = 32
	}
	if len(xs) == 0 || xs[0] == nil {
		return nil, fmt.Errorf("nn: model %q: Predict needs inputs", m.Name())
	}
	total := xs[0].Shape()[0]
	data := make([][]float32, len(xs))
	for i, x := range xs {
		if x == nil {
			return nil, fmt.Errorf("nn: model %q: input %d is nil", m.Name(), i)
		}
		if x.Dims() == 0 || x.Shape()[0] != total {
			return nil, fmt.Errorf("nn: model %q: inputs have different numbers of samples", m.Name())
		}
		d, err := denseData(x, fmt.Sprintf("input %d", i))
		if err != nil {
			return nil, fmt.Errorf("nn: model %q: %w", m.Name(), err)
		}
		data[i] = d
	}
	nb := (total + batchSize - 1) / batchSize
	ds := &sliceDataset{xs: xs, data: data, batch: batchSize, n: total, nb: nb}
	return m.PredictDataset(ctx, ds, 0)
}

// PredictDataset runs the model over steps batches of ds (default its Len), in index
// order, and returns each output with the batches joined along the first axis.
func (m *Model) PredictDataset(ctx context.Context, ds Dataset, steps int) ([]*tensor.Dense, error) {
	steps, err := stepsFor("Steps", steps, ds)
	if err != nil {
		return nil, err
	}
	ctxInfer := &Context{Training: false, rng: m.rng}
	var ins []*Tensor
	results := make([][]float32, len(m.outputs))
	sampleShapes := make([][]int, len(m.outputs))
	samples := 0
	for i := 0; i < steps; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := ds.Batch(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("nn: model %q: predict batch %d: %w", m.Name(), i, err)
		}
		in, n, err := m.upload(b.X, &ins)
		if err != nil {
			return nil, fmt.Errorf("nn: model %q: predict batch %d: %w", m.Name(), i, err)
		}
		outs, err := m.forward(ctxInfer, in)
		if err != nil {
			return nil, err
		}
		for j, out := range outs {
			if sampleShapes[j] == nil {
				sampleShapes[j] = append([]int(nil), out.Shape[1:]...)
			} else if !Shape(sampleShapes[j]).Equal(Shape(out.Shape[1:])) {
				return nil, fmt.Errorf("nn: model %q: output %d changes shape between batches (%v, then %v)", m.Name(), j, sampleShapes[j], out.Shape[1:])
			}
			start := len(results[j])
			results[j] = append(results[j], make([]float32, out.Len())...)
			m.backend.Download(results[j][start:], out.Buf)
		}
		samples += n
	}
	dense := make([]*tensor.Dense, len(results))
	for j := range results {
		dense[j] = tensor.New(tensor.WithShape(append([]int{samples}, sampleShapes[j]...)...), tensor.WithBacking(results[j]))
	}
	return dense, nil
}

// sliceDataset serves consecutive slices of in-memory inputs for Predict.
type sliceDataset struct {
	xs       []*tensor.Dense
	data     [][]float32
	batch, n int
	nb       int
	cur      Batch
}

func (s *sliceDataset) Len() int { return s.nb }

func (s *sliceDataset) Batch(ctx context.Context, i int) (*Batch, error) {
	lo, hi := i*s.batch, min((i+1)*s.batch, s.n)
	s.cur.X = s.cur.X[:0]
	for j, x := range s.xs {
		shape := append([]int{hi - lo}, x.Shape()[1:]...)
		size := 1
		for _, d := range shape[1:] {
			size *= d
		}
		s.cur.X = append(s.cur.X, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(s.data[j][lo*size:hi*size])))
	}
	return &s.cur, nil
}

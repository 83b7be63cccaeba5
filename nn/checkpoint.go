package nn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"

	"github.com/org/gotl/internal/npy"
)

// A checkpoint (DESIGN.md §2) is one .npz archive holding all a Fit needs to go on
// exactly where it stood:
//
//	<layer>/<variable>                        the weights, as SaveWeights writes them
//	optimizer/<layer>/<variable>/<slot>       the optimizer's slots (Keras's names: m, v, vhat,
//	                                          momentum, rms, mg), float32
//	training/format                           1
//	training/epoch, training/step             where training goes on: the next epoch (0-based)
//	                                          and its next batch
//	training/iterations                       the optimizer's update count
//	training/learning_rate                    its learning rate
//	training/dropout                          the state of the dropout stream (a PCG)
//	training/callbacks/<callback>/<name>      the numbers of a callback's state
//	training/callback_arrays/<callback>/<name>  the arrays of a callback's state, such as
//	                                          EarlyStopping's best weights
//
// Package npy writes float32 only, so the numbers under training/ are stored bit for bit as
// 64-bit words (int64, or a float64's bits), each word as four float32 holding its 16-bit
// pieces, least significant first: an entry of shape (words, 4). ReadCheckpointInfo decodes
// the position. LoadWeights reads a checkpoint's weights and skips the rest (see
// ReservedPrefixes), so a checkpoint also serves as a weights file.
//
// Fit writes checkpoints when a callback asks (Training.SaveCheckpoint, which
// ModelCheckpoint calls) and reads one before the first epoch when FitConfig.Resume names
// it. A run resumed from a checkpoint ends with the same weights, bit for bit on the CPU, as
// the run that wrote it would have: the batches depend only on the dataset's seed and the
// epoch (EpochSetter), and the dropout masks on the model's seed, the epoch and the saved
// stream state.

const checkpointFormat = 1

const (
	keyFormat            = "training/format"
	keyEpoch             = "training/epoch"
	keyStep              = "training/step"
	keyIterations        = "training/iterations"
	keyLearningRate      = "training/learning_rate"
	keyDropout           = "training/dropout"
	prefixOptimizer      = "optimizer/"
	prefixCallbacks      = "training/callbacks/"
	prefixCallbackArrays = "training/callback_arrays/"
)

// fitState is Fit's checkpoint bookkeeping, kept in Training.
type fitState struct {
	callbacks []Callback
	names     []string  // checkpoint name of each stateful callback, "" for the others
	dropout   *rand.PCG // the running epoch's dropout stream
	pending   []string  // checkpoints asked for during the current hook
}

// dropoutStream returns the source of epoch's dropout masks. It is a function of the model's
// seed and the epoch alone, as the datasets' order is, so a run resumed at an epoch
// boundary draws the masks an uninterrupted run would.
func dropoutStream(seed uint64, epoch int) *rand.PCG {
	return rand.NewPCG(seed, fnv64(fmt.Sprintf("dropout/epoch %d", epoch)))
}

// beginFit records the callbacks of a Fit and names the stateful ones.
func (t *Training) beginFit(callbacks []Callback) {
	t.ckpt.callbacks = callbacks
	t.ckpt.names = make([]string, len(callbacks))
	seen := map[string]int{}
	for i, cb := range callbacks {
		sc, ok := cb.(StatefulCallback)
		if !ok {
			continue
		}
		base := sc.StateName()
		name := base
		if k := seen[base]; k > 0 {
			name = fmt.Sprintf("%s_%d", base, k)
		}
		seen[base]++
		t.ckpt.names[i] = name
	}
}

// beginEpoch returns the dropout stream of epoch: resumed's when the Fit resumes inside
// this epoch, else a fresh one.
func (t *Training) beginEpoch(epoch int, resumed *resumePoint) *rand.Rand {
	if resumed != nil && resumed.epoch == epoch && resumed.dropout != nil {
		t.ckpt.dropout = resumed.dropout
	} else {
		t.ckpt.dropout = dropoutStream(t.Model.seed, epoch)
	}
	return rand.New(t.ckpt.dropout)
}

// SaveCheckpoint asks Fit to write a checkpoint to path, an .npz file, once every callback
// has run for the current batch or epoch, so that it holds their updated state. A
// checkpoint asked for during the last batch of an epoch is written after the end of the
// epoch (validation and OnEpochEnd), so that it records a whole epoch. The write is
// atomic; Fit returns its error. The model's optimizer must be a StatefulOptimizer.
func (t *Training) SaveCheckpoint(path string) error {
	if !strings.HasSuffix(path, ".npz") {
		return fmt.Errorf("nn: checkpoint %q: a checkpoint is one .npz file; the name must end in \".npz\"", path)
	}
	if _, ok := t.Model.Optimizer().(StatefulOptimizer); !ok {
		return fmt.Errorf("nn: checkpoint %q: the optimizer (%T) cannot save its state: it is not an nn.StatefulOptimizer", path, t.Model.Optimizer())
	}
	t.ckpt.pending = append(t.ckpt.pending, path)
	return nil
}

// flushCheckpoints writes the checkpoints asked for, recording that training goes on at
// batch step of epoch.
func (t *Training) flushCheckpoints(epoch, step int) error {
	for _, path := range t.ckpt.pending {
		if err := t.writeCheckpoint(path, epoch, step); err != nil {
			return err
		}
	}
	t.ckpt.pending = t.ckpt.pending[:0]
	return nil
}

var stateName = regexp.MustCompile(`^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$`)

func (t *Training) writeCheckpoint(path string, epoch, step int) error {
	m := t.Model
	opt := m.Optimizer().(StatefulOptimizer) // checked by SaveCheckpoint
	keys, arrays := m.WeightArrays()
	add := func(key string, a npy.Array) {
		keys = append(keys, key)
		arrays = append(arrays, a)
	}
	st := opt.State()
	for _, s := range st.Slots {
		add(prefixOptimizer+s.Variable+"/"+s.Name, npy.Array{Shape: s.Shape, Data: s.Values})
	}
	dropout := t.ckpt.dropout
	if step == 0 {
		dropout = dropoutStream(m.seed, epoch)
	}
	rng, err := pcgWords(dropout)
	if err != nil {
		return fmt.Errorf("nn: checkpoint %s: %w", path, err)
	}
	add(keyFormat, encodeWords(checkpointFormat))
	add(keyEpoch, encodeWords(uint64(epoch)))
	add(keyStep, encodeWords(uint64(step)))
	add(keyIterations, encodeWords(uint64(st.Iterations)))
	add(keyLearningRate, encodeWords(math.Float64bits(st.LearningRate)))
	add(keyDropout, encodeWords(rng[0], rng[1]))
	for i, cb := range t.ckpt.callbacks {
		name := t.ckpt.names[i]
		if name == "" {
			continue
		}
		if !stateName.MatchString(name) {
			return fmt.Errorf("nn: checkpoint %s: callback state name %q: only letters, digits, '_', '.' and '-' are allowed", path, name)
		}
		s := cb.(StatefulCallback).State()
		for _, k := range sortedKeys(s.Numbers) {
			if !stateName.MatchString(k) {
				return fmt.Errorf("nn: checkpoint %s: callback %s: state name %q is not a valid entry name", path, name, k)
			}
			add(prefixCallbacks+name+"/"+k, encodeWords(math.Float64bits(s.Numbers[k])))
		}
		for _, k := range sortedKeys(s.Arrays) {
			if !stateName.MatchString(k) {
				return fmt.Errorf("nn: checkpoint %s: callback %s: state name %q is not a valid entry name", path, name, k)
			}
			a := s.Arrays[k]
			add(prefixCallbackArrays+name+"/"+k, npy.Array{Shape: a.Shape, Data: a.Values})
		}
	}
	if err := npy.WriteNPZ(path, keys, arrays); err != nil {
		return fmt.Errorf("nn: checkpoint %s: %w", path, err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// encodeWords stores 64-bit words exactly in float32: four 16-bit pieces per word, least
// significant first.
func encodeWords(words ...uint64) npy.Array {
	data := make([]float32, 4*len(words))
	for i, w := range words {
		for j := range 4 {
			data[4*i+j] = float32(uint16(w >> (16 * j)))
		}
	}
	return npy.Array{Shape: []int{len(words), 4}, Data: data}
}

// decodeWords reverses encodeWords, checking that the entry holds n words.
func decodeWords(a npy.Array, n int) ([]uint64, error) {
	if len(a.Shape) != 2 || a.Shape[0] != n || a.Shape[1] != 4 {
		return nil, fmt.Errorf("shape %v, want (%d, 4) (64-bit words in 16-bit pieces)", a.Shape, n)
	}
	words := make([]uint64, n)
	for i := range words {
		for j := range 4 {
			v := a.Data[4*i+j]
			if v < 0 || v > math.MaxUint16 || v != float32(math.Trunc(float64(v))) {
				return nil, fmt.Errorf("value %v is not a 16-bit piece of a word", v)
			}
			words[i] |= uint64(v) << (16 * j)
		}
	}
	return words, nil
}

// pcgWords returns the two words of a PCG's state, from its binary form ("pcg:", then the
// high and low words big-endian).
func pcgWords(p *rand.PCG) ([2]uint64, error) {
	b, err := p.MarshalBinary()
	if err != nil {
		return [2]uint64{}, err
	}
	if len(b) != 20 || string(b[:4]) != "pcg:" {
		return [2]uint64{}, errors.New("unexpected PCG state encoding")
	}
	return [2]uint64{binary.BigEndian.Uint64(b[4:]), binary.BigEndian.Uint64(b[12:])}, nil
}

func pcgFromWords(w []uint64) (*rand.PCG, error) {
	b := []byte("pcg:")
	b = binary.BigEndian.AppendUint64(b, w[0])
	b = binary.BigEndian.AppendUint64(b, w[1])
	p := &rand.PCG{}
	if err := p.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return p, nil
}

// checkpointReader reads the entries of a checkpoint archive.
type checkpointReader struct {
	path string
	src  *npy.NPZ
	keys map[string]bool
}

func openCheckpoint(path string) (*checkpointReader, error) {
	src, err := npy.OpenNPZ(path)
	if err != nil {
		return nil, fmt.Errorf("nn: checkpoint: %w", err)
	}
	r := &checkpointReader{path: path, src: src, keys: map[string]bool{}}
	for _, k := range src.Keys() {
		r.keys[k] = true
	}
	if !r.keys[keyFormat] {
		src.Close()
		return nil, fmt.Errorf("nn: checkpoint %s: no %s entry: this is a weights file, not a checkpoint (LoadWeights reads it)", path, keyFormat)
	}
	format, err := r.words(keyFormat, 1)
	if err != nil {
		src.Close()
		return nil, err
	}
	if format[0] != checkpointFormat {
		src.Close()
		return nil, fmt.Errorf("nn: checkpoint %s: format %d; this gotl reads format %d", path, format[0], checkpointFormat)
	}
	return r, nil
}

func (r *checkpointReader) words(key string, n int) ([]uint64, error) {
	if !r.keys[key] {
		return nil, fmt.Errorf("nn: checkpoint %s: entry %s is missing", r.path, key)
	}
	a, err := r.src.Read(key)
	if err != nil {
		return nil, fmt.Errorf("nn: checkpoint %s: %w", r.path, err)
	}
	w, err := decodeWords(a, n)
	if err != nil {
		return nil, fmt.Errorf("nn: checkpoint %s: entry %s: %w", r.path, key, err)
	}
	return w, nil
}

// CheckpointInfo tells where a checkpoint stands.
type CheckpointInfo struct {
	// Epoch and Step say where training goes on: the next epoch (0-based, so the number of
	// epochs done when Step is 0) and its next batch.
	Epoch, Step int
	// Iterations is the optimizer's update count; LearningRate its learning rate.
	Iterations   int64
	LearningRate float64
}

func (r *checkpointReader) info() (CheckpointInfo, error) {
	var info CheckpointInfo
	for _, e := range []struct {
		key string
		set func(uint64)
	}{
		{keyEpoch, func(w uint64) { info.Epoch = int(w) }},
		{keyStep, func(w uint64) { info.Step = int(w) }},
		{keyIterations, func(w uint64) { info.Iterations = int64(w) }},
		{keyLearningRate, func(w uint64) { info.LearningRate = math.Float64frombits(w) }},
	} {
		w, err := r.words(e.key, 1)
		if err != nil {
			return info, err
		}
		e.set(w[0])
	}
	if info.Epoch < 0 || info.Step < 0 || info.Iterations < 0 {
		return info, fmt.Errorf("nn: checkpoint %s: negative position (epoch %d, step %d, iterations %d)", r.path, info.Epoch, info.Step, info.Iterations)
	}
	return info, nil
}

// ReadCheckpointInfo reads where the checkpoint at path stands.
func ReadCheckpointInfo(path string) (CheckpointInfo, error) {
	r, err := openCheckpoint(path)
	if err != nil {
		return CheckpointInfo{}, err
	}
	defer r.src.Close()
	return r.info()
}

// resumePoint is what Fit restores from a checkpoint before its first epoch.
type resumePoint struct {
	epoch, step int
	dropout     *rand.PCG
	callbacks   map[string]CallbackState
}

// resume reads the checkpoint at path, checks it against the Fit about to run (which would
// start at initialEpoch and stop before epochs, with steps batches an epoch) and restores the optimizer's state and the
// weights. The callbacks' states are kept for restoreCallbacks.
func (m *Model) resume(path string, initialEpoch, epochs, steps int) (*resumePoint, error) {
	r, err := openCheckpoint(path)
	if err != nil {
		return nil, err
	}
	defer r.src.Close()
	info, err := r.info()
	if err != nil {
		return nil, err
	}
	if initialEpoch != 0 && initialEpoch != info.Epoch {
		return nil, fmt.Errorf("nn: Fit: InitialEpoch is %d but checkpoint %s goes on at epoch %d; leave InitialEpoch at 0 when resuming", initialEpoch, path, info.Epoch)
	}
	if info.Epoch > epochs || (info.Epoch == epochs && info.Step > 0) {
		return nil, fmt.Errorf("nn: Fit: checkpoint %s goes on at epoch %d, beyond Epochs %d", path, info.Epoch, epochs)
	}
	if info.Step >= steps {
		return nil, fmt.Errorf("nn: Fit: checkpoint %s goes on at batch %d of epoch %d, but an epoch has %d batches", path, info.Step, info.Epoch+1, steps)
	}
	opt, ok := m.compiled.optimizer.(StatefulOptimizer)
	if !ok {
		return nil, fmt.Errorf("nn: Fit: cannot resume from %s: the optimizer (%T) cannot restore its state: it is not an nn.StatefulOptimizer", path, m.compiled.optimizer)
	}
	p := &resumePoint{epoch: info.Epoch, step: info.Step, callbacks: map[string]CallbackState{}}
	st := OptimizerState{Iterations: info.Iterations, LearningRate: info.LearningRate}
	for _, key := range r.src.Keys() {
		switch {
		case strings.HasPrefix(key, prefixOptimizer):
			i := strings.LastIndexByte(key, '/')
			a, err := r.src.Read(key)
			if err != nil {
				return nil, fmt.Errorf("nn: checkpoint %s: %w", path, err)
			}
			if i <= len(prefixOptimizer) {
				return nil, fmt.Errorf("nn: checkpoint %s: optimizer entry %q names no variable", path, key)
			}
			st.Slots = append(st.Slots, Slot{Variable: key[len(prefixOptimizer):i], Name: key[i+1:], Shape: a.Shape, Values: a.Data})
		case strings.HasPrefix(key, prefixCallbacks), strings.HasPrefix(key, prefixCallbackArrays):
			isArray := strings.HasPrefix(key, prefixCallbackArrays)
			rest := strings.TrimPrefix(strings.TrimPrefix(key, prefixCallbacks), prefixCallbackArrays)
			name, entry, ok := strings.Cut(rest, "/")
			if !ok || entry == "" {
				return nil, fmt.Errorf("nn: checkpoint %s: callback entry %q names no value", path, key)
			}
			s := p.callbacks[name]
			if isArray {
				a, err := r.src.Read(key)
				if err != nil {
					return nil, fmt.Errorf("nn: checkpoint %s: %w", path, err)
				}
				if s.Arrays == nil {
					s.Arrays = map[string]StateArray{}
				}
				s.Arrays[entry] = StateArray{Shape: a.Shape, Values: a.Data}
			} else {
				w, err := r.words(key, 1)
				if err != nil {
					return nil, err
				}
				if s.Numbers == nil {
					s.Numbers = map[string]float64{}
				}
				s.Numbers[entry] = math.Float64frombits(w[0])
			}
			p.callbacks[name] = s
		}
	}
	w, err := r.words(keyDropout, 2)
	if err != nil {
		return nil, err
	}
	if p.dropout, err = pcgFromWords(w); err != nil {
		return nil, fmt.Errorf("nn: checkpoint %s: %s: %w", path, keyDropout, err)
	}
	if err := opt.SetState(st, m.compiled.trainVars); err != nil {
		return nil, fmt.Errorf("nn: Fit: resume from %s: %w", path, err)
	}
	if err := m.LoadWeightsFrom(r.src, path); err != nil {
		return nil, fmt.Errorf("nn: Fit: resume from %s: %w", path, err)
	}
	return p, nil
}

// restoreCallbacks gives each stateful callback of the Fit its state from the checkpoint.
// A callback the checkpoint has no state for starts afresh; state of callbacks this Fit
// does not have is ignored.
func (p *resumePoint) restoreCallbacks(t *Training) error {
	for i, cb := range t.ckpt.callbacks {
		name := t.ckpt.names[i]
		s, ok := p.callbacks[name]
		if name == "" || !ok {
			continue
		}
		if err := cb.(StatefulCallback).SetState(t, s); err != nil {
			return fmt.Errorf("nn: Fit: resume: callback %s: %w", name, err)
		}
	}
	return nil
}

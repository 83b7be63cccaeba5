package zoo

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"gorgonia.org/tensor"
)

// imagenetClassIndex is Keras's imagenet_class_index.json: "index": [wnid, name] for the
// 1,000 ILSVRC-2012 classes, in the order of the classifiers' outputs. Copied from the
// team's shared/data/imagenet_class_index.json (SHA-256
// 1f441b421ac1a3cb48f26d93f3ceba99d537bb932f5a0781b5bdd51e5c6f3063), whose README traces it
// to a copy with the MD5 Keras checks on download (c2c37ea517e94d9795004a39431a14cb) and
// cross-checks it against three other public copies.
//
//go:embed imagenet_class_index.json
var imagenetClassIndex []byte

// ImageNetClass is one of the 1,000 ImageNet classes.
type ImageNetClass struct {
	// ID is the WordNet ID ("n01440764").
	ID string
	// Name is Keras's class name ("tench"); two names occur twice (crane, maillot), as in
	// Keras.
	Name string
}

var (
	classesOnce sync.Once
	classes     []ImageNetClass
	classesErr  error
)

// ImageNetClasses returns the 1,000 classes in output order (index 0 is tench, 999
// toilet_tissue). The slice is shared: do not modify it.
func ImageNetClasses() ([]ImageNetClass, error) {
	classesOnce.Do(func() {
		var raw map[string][2]string
		if err := json.Unmarshal(imagenetClassIndex, &raw); err != nil {
			classesErr = fmt.Errorf("zoo: imagenet_class_index.json: %w", err)
			return
		}
		out := make([]ImageNetClass, len(raw))
		for k, v := range raw {
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(raw) || out[i].ID != "" {
				classesErr = fmt.Errorf("zoo: imagenet_class_index.json: bad or repeated index %q", k)
				return
			}
			out[i] = ImageNetClass{ID: v[0], Name: v[1]}
		}
		classes = out
	})
	return classes, classesErr
}

// Prediction is one entry of DecodePredictions: a class and its score.
type Prediction struct {
	ImageNetClass
	// Index is the class's position in the output (0..999).
	Index int
	Score float32
}

// DecodePredictions is Keras's decode_predictions: for each row of preds, a float32
// (N, 1000) batch of classifier outputs, the top classes by decreasing score (ties in
// index order). top is the number per row (Keras's default is 5).
func DecodePredictions(preds *tensor.Dense, top int) ([][]Prediction, error) {
	all, err := ImageNetClasses()
	if err != nil {
		return nil, err
	}
	if preds == nil || preds.Dims() != 2 || preds.Shape()[1] != len(all) {
		shape := "nil"
		if preds != nil {
			shape = fmt.Sprint(preds.Shape())
		}
		return nil, fmt.Errorf("zoo: DecodePredictions expects a batch of predictions of shape (samples, %d), got %s", len(all), shape)
	}
	if preds.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("zoo: DecodePredictions: dtype %v, want float32", preds.Dtype())
	}
	if top <= 0 {
		return nil, fmt.Errorf("zoo: DecodePredictions: top must be > 0, got %d", top)
	}
	if preds.IsView() || !preds.IsNativelyAccessible() {
		preds = preds.Materialize().(*tensor.Dense)
	}
	data := preds.Data().([]float32)
	n, k := preds.Shape()[0], len(all)
	top = min(top, k)
	out := make([][]Prediction, n)
	order := make([]int, k)
	for r := range n {
		row := data[r*k : (r+1)*k]
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case row[a] > row[b]:
				return -1
			case row[a] < row[b]:
				return 1
			}
			return 0
		})
		out[r] = make([]Prediction, top)
		for j, i := range order[:top] {
			out[r][j] = Prediction{ImageNetClass: all[i], Index: i, Score: row[i]}
		}
	}
	return out, nil
}

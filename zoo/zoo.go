package zoo

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"weak"

	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
)

// Pooling is keras.applications' pooling argument: what follows the convolutional base
// when IncludeTop is false. The zero value is PoolingNone, Keras's default.
type Pooling int

const (
	// PoolingNone keeps the 4-D feature map (N, H', W', C) as the output.
	PoolingNone Pooling = iota
	// PoolingAvg adds GlobalAveragePooling2D: output (N, C).
	PoolingAvg
	// PoolingMax adds GlobalMaxPooling2D: output (N, C).
	PoolingMax
)

// String is the Keras spelling: "none" (Keras's None), "avg" or "max".
func (p Pooling) String() string {
	switch p {
	case PoolingNone:
		return "none"
	case PoolingAvg:
		return "avg"
	case PoolingMax:
		return "max"
	}
	return "Pooling(" + strconv.Itoa(int(p)) + ")"
}

// ParsePooling maps "", "none", "avg" and "max" to a Pooling.
func ParsePooling(s string) (Pooling, error) {
	switch s {
	case "", "none", "None":
		return PoolingNone, nil
	case "avg":
		return PoolingAvg, nil
	case "max":
		return PoolingMax, nil
	}
	return 0, fmt.Errorf("zoo: unknown pooling %q (want none, avg or max)", s)
}

// Config holds the arguments of the builders, keras.applications' arguments. The zero
// value is the convolutional base without the classifier, input (-1, -1, 3), no pooling
// and Keras's initializers: unlike Keras, whose defaults are include_top=True and
// weights='imagenet', since gotl bundles no weights and the base is the transfer-learning
// use.
type Config struct {
	// IncludeTop adds the ImageNet classifier (Keras's include_top): global average pooling
	// and a Dense "predictions" for the ResNets and InceptionResNetV2; Flatten, fc1, fc2 and
	// "predictions" for VGG.
	IncludeTop bool
	// Pooling applies without the top only.
	Pooling Pooling
	// Classes is the classifier's width (default 1000); it applies with the top only.
	Classes int
	// InputShape is the per-image shape (H, W, C). The default is Keras's: (D, D, 3) with
	// the top, where D is the model's default size (224, or 299 for InceptionResNetV2), and
	// (-1, -1, 3) without, for any size. H and W must be at least the model's minimum size
	// (32, or 75 for InceptionResNetV2); -1 (any size) is refused with the top.
	InputShape []int
	// Weights is a weights directory (DIR/<layer>/<variable>.npy) or an .npz archive, read
	// by name with every shape checked; "" keeps Keras's initializers. No pretrained weights
	// are bundled: convert Keras's .h5 files with tools/keras2npy.py (see WeightFiles).
	Weights string
	// ClassifierActivation is the activation of "predictions" (Keras's
	// classifier_activation); the zero value means Keras's default, Softmax. Set Logits for
	// no activation.
	ClassifierActivation layers.ActivationFunc
	// Logits leaves the classifier linear (Keras's classifier_activation=None).
	Logits bool
	// Seed seeds Keras's initializers (and dropout, should the model be trained).
	Seed uint64
	// Device selects the backend ("cpu", "reference", "cuda"); the default is nn's.
	Device string
}

// Info describes one model of the zoo.
type Info struct {
	// Name is the Keras model name ("resnet101"), the model's name and the key of Build.
	Name string
	// Function is the keras.applications function ("ResNet101").
	Function string
	// DefaultSize and MinSize are the default and smallest input height and width.
	DefaultSize, MinSize int
	// Preprocess is the model's preprocess_input mode.
	Preprocess PreprocessMode
	// WeightFiles are the names of Keras's ImageNet weight files, with and without the top,
	// as published under WeightsURL (convert them with tools/keras2npy.py).
	WeightFiles [2]string
}

// WeightsURL is where tf.keras downloads the ImageNet weight files from:
// WeightsURL + "<family>/" + file, with family resnet, inception_resnet_v2, vgg16 or vgg19.
const WeightsURL = "https://storage.googleapis.com/tensorflow/keras-applications/"

// spec is one model: its facts, the body between the input and the head, and how its head
// is made.
type spec struct {
	info Info
	body func(g *graph, x *nn.Node) *nn.Node
	// vggTop selects VGG's Flatten–fc1–fc2–predictions classifier instead of global
	// average pooling and predictions.
	vggTop bool
	// namedPooling: the ResNets name their include_top=False pooling avg_pool / max_pool;
	// InceptionResNetV2 and VGG leave it unnamed (global_average_pooling2d ...).
	namedPooling bool
}

var registry = map[string]*spec{}

func register(s *spec) *spec {
	registry[s.info.Name] = s
	return s
}

// Names lists the models of the zoo by Keras name, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Lookup returns the description of a model by Keras name ("resnet101") or function name
// ("ResNet101").
func Lookup(name string) (Info, bool) {
	s, ok := lookup(name)
	if !ok {
		return Info{}, false
	}
	return s.info, true
}

func lookup(name string) (*spec, bool) {
	if s, ok := registry[name]; ok {
		return s, true
	}
	for _, s := range registry {
		if s.info.Function == name {
			return s, true
		}
	}
	return nil, false
}

// Build builds a model by Keras name ("resnet101", "inception_resnet_v2", "vgg16", ...;
// the function names "ResNet101" ... work too).
func Build(name string, cfg Config) (*nn.Model, error) {
	s, ok := lookup(name)
	if !ok {
		return nil, fmt.Errorf("zoo: unknown model %q (known: %v)", name, Names())
	}
	return s.build(cfg)
}

// resolved is a validated Config with Keras's defaults filled in.
type resolved struct {
	Config
	inputShape []int
	classes    int
	activation layers.ActivationFunc
}

// errorf returns an error naming the model: `zoo: ResNet101: ...`.
func (s *spec) errorf(format string, args ...any) error {
	return fmt.Errorf("zoo: %s: "+format, append([]any{s.info.Function}, args...)...)
}

// resolve checks cfg as keras.applications' _obtain_input_shape and argument checks do,
// and refuses the arguments Keras would silently ignore.
func (s *spec) resolve(cfg Config) (resolved, error) {
	r := resolved{Config: cfg}
	switch {
	case cfg.Pooling != PoolingNone && cfg.Pooling != PoolingAvg && cfg.Pooling != PoolingMax:
		return r, s.errorf("unknown Pooling %v", cfg.Pooling)
	case cfg.IncludeTop && cfg.Pooling != PoolingNone:
		return r, s.errorf("Pooling %v applies without IncludeTop only (the top has its own average pooling)", cfg.Pooling)
	case !cfg.IncludeTop && cfg.Classes != 0:
		return r, s.errorf("Classes %d applies with IncludeTop only", cfg.Classes)
	case !cfg.IncludeTop && (cfg.Logits || cfg.ClassifierActivation != layers.Linear):
		return r, s.errorf("ClassifierActivation and Logits apply with IncludeTop only")
	case cfg.Logits && cfg.ClassifierActivation != layers.Linear:
		return r, s.errorf("Logits and ClassifierActivation %v both given; Logits means no activation", cfg.ClassifierActivation)
	case cfg.Classes < 0:
		return r, s.errorf("Classes must be > 0, got %d", cfg.Classes)
	case cfg.Weights == "imagenet":
		return r, s.errorf("weights %q: gotl bundles no pretrained weights; download %s (include_top) or %s from %s and convert it with tools/keras2npy.py, then pass the directory or .npz as Weights",
			cfg.Weights, s.info.WeightFiles[0], s.info.WeightFiles[1], WeightsURL)
	}
	if cfg.Weights != "" {
		// Fail before building (VGG's initialisation alone takes seconds).
		if _, err := os.Stat(cfg.Weights); err != nil {
			return r, s.errorf("weights: %w", err)
		}
	}
	r.classes = cfg.Classes
	if r.classes == 0 {
		r.classes = 1000
	}
	r.activation = layers.Softmax
	if cfg.ClassifierActivation != layers.Linear {
		r.activation = cfg.ClassifierActivation
	}
	if cfg.Logits {
		r.activation = layers.Linear
	}
	switch {
	case cfg.InputShape == nil && cfg.IncludeTop:
		r.inputShape = []int{s.info.DefaultSize, s.info.DefaultSize, 3}
	case cfg.InputShape == nil:
		r.inputShape = []int{-1, -1, 3}
	default:
		r.inputShape = slices.Clone(cfg.InputShape)
		if len(r.inputShape) != 3 {
			return r, s.errorf("InputShape %v: want (height, width, channels)", cfg.InputShape)
		}
		if r.inputShape[2] <= 0 {
			return r, s.errorf("InputShape %v: channels must be > 0", cfg.InputShape)
		}
		for _, d := range r.inputShape[:2] {
			if d == -1 && cfg.IncludeTop {
				return r, s.errorf("InputShape %v: with IncludeTop the height and width must be given (Keras: a static input_shape)", cfg.InputShape)
			}
			if d != -1 && d < s.info.MinSize {
				return r, s.errorf("InputShape %v: height and width must be at least %d (or -1 for any, without IncludeTop)", cfg.InputShape, s.info.MinSize)
			}
		}
	}
	return r, nil
}

// build makes the model of cfg, loads its weights and remembers its Info.
func (s *spec) build(cfg Config) (*nn.Model, error) {
	r, err := s.resolve(cfg)
	if err != nil {
		return nil, err
	}
	g := &graph{counts: map[string]int{}}
	in := nn.NamedInput("input_1", r.inputShape...)
	x := s.body(g, in)
	x = s.head(g, x, r)
	opts := []nn.ModelOption{nn.WithName(s.info.Name), nn.WithSeed(cfg.Seed)}
	if cfg.Device != "" {
		opts = append(opts, nn.WithDevice(cfg.Device))
	}
	m, err := nn.NewModel([]*nn.Node{in}, []*nn.Node{x}, opts...)
	if err != nil {
		return nil, s.errorf("%w", err)
	}
	if cfg.Weights != "" {
		if err := m.LoadWeights(cfg.Weights); err != nil {
			return nil, s.errorf("%w", weightsHint(err, r))
		}
	}
	remember(m, &s.info)
	return m, nil
}

// weightsHint adds to a failed load the likely cause when the file was made for the other
// include_top setting.
func weightsHint(err error, r resolved) error {
	src, oerr := nn.OpenWeights(r.Weights)
	if oerr != nil {
		return err
	}
	defer src.Close()
	hasTop := slices.Contains(src.Keys(), "predictions/kernel")
	switch {
	case r.IncludeTop && !hasTop:
		return fmt.Errorf("%w\n(the file has no classifier: it holds weights for IncludeTop false)", err)
	case !r.IncludeTop && hasTop:
		return fmt.Errorf("%w\n(the file holds the classifier too: it was made with IncludeTop)", err)
	}
	return err
}

// head adds the classifier (IncludeTop) or the pooling.
func (s *spec) head(g *graph, x *nn.Node, r resolved) *nn.Node {
	if r.IncludeTop {
		if s.vggTop {
			x = layers.NewFlatten(layers.FlattenConfig{Name: "flatten"}).Call(x)
			x = layers.NewDense(4096, layers.DenseConfig{Name: "fc1", Activation: layers.ReLU}).Call(x)
			x = layers.NewDense(4096, layers.DenseConfig{Name: "fc2", Activation: layers.ReLU}).Call(x)
		} else {
			x = layers.NewGlobalAveragePooling2D(layers.GlobalPooling2DConfig{Name: "avg_pool"}).Call(x)
		}
		return layers.NewDense(r.classes, layers.DenseConfig{Name: "predictions", Activation: r.activation}).Call(x)
	}
	switch r.Pooling {
	case PoolingAvg:
		name := g.name("", "global_average_pooling2d")
		if s.namedPooling {
			name = "avg_pool"
		}
		x = layers.NewGlobalAveragePooling2D(layers.GlobalPooling2DConfig{Name: name}).Call(x)
	case PoolingMax:
		name := g.name("", "global_max_pooling2d")
		if s.namedPooling {
			name = "max_pool"
		}
		x = layers.NewGlobalMaxPooling2D(layers.GlobalPooling2DConfig{Name: name}).Call(x)
	}
	return x
}

// graph gives the layers of one model their names. Layers Keras leaves unnamed get the
// name tf.keras would give them in a fresh session: the snake_case class with a per-class
// counter, 0-based, in the order keras_applications creates them.
type graph struct {
	counts map[string]int
}

// name returns explicit, or when it is empty the next automatic name with prefix.
func (g *graph) name(explicit, prefix string) string {
	if explicit != "" {
		return explicit
	}
	k := g.counts[prefix]
	g.counts[prefix] = k + 1
	if k == 0 {
		return prefix
	}
	return prefix + "_" + strconv.Itoa(k)
}

// The models built here, with their Info, held by weak pointer so that remembering a model
// does not keep it alive.
var built sync.Map // weak.Pointer[nn.Model] → *Info

func remember(m *nn.Model, info *Info) {
	key := weak.Make(m)
	built.Store(key, info)
	runtime.AddCleanup(m, func(k weak.Pointer[nn.Model]) { built.Delete(k) }, key)
}

// InfoOf returns the Info of a model built by this package or, for a larger model, of the
// first zoo model among its layers (the base of a transfer-learning model).
func InfoOf(m *nn.Model) (Info, bool) {
	if m == nil {
		return Info{}, false
	}
	if v, ok := built.Load(weak.Make(m)); ok {
		return *v.(*Info), true
	}
	for _, l := range m.Layers() {
		if sub, ok := l.(*nn.Model); ok {
			if info, ok := InfoOf(sub); ok {
				return info, true
			}
		}
	}
	return Info{}, false
}

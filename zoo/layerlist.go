package zoo

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/org/gotl/nn"
)

// LayerList describes the layers of a model that hold variables, in Keras's model.layers
// order, each with its variables in Keras's order: what a Keras .h5 weight file holds, in
// the order Keras saves and loads it by position (KERAS.md §1.5, §7.5). tools/keras2npy.py
// checks a file against such a list (JSON, format "gotl-layers/1"); `gotl layers -model
// NAME` prints one, and tools/zoo_layers/ holds one per zoo model with the top at the
// default size.
type LayerList struct {
	Format string `json:"format"`
	// Model is the model's name; for a zoo model, its Keras name.
	Model string `json:"model"`
	// IncludeTop, Classes and InputShape describe a zoo model's configuration.
	IncludeTop bool  `json:"include_top"`
	Classes    int   `json:"classes,omitempty"`
	InputShape []int `json:"input_shape"`
	// Layers are the layers with variables.
	Layers []LayerVariables `json:"layers"`
}

// LayerVariables is one layer of a LayerList.
type LayerVariables struct {
	Name  string `json:"name"`
	Class string `json:"class"`
	// Top marks the classifier's layers of a zoo model with the top: a file saved without
	// the top lacks them.
	Top       bool           `json:"top,omitempty"`
	Variables []VariableSpec `json:"variables"`
}

// VariableSpec is a variable's short name ("kernel") and Keras shape.
type VariableSpec struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// LayerListFormat is the format tag of LayerList's JSON.
const LayerListFormat = "gotl-layers/1"

// topLayers are the names of the classifier's layers (keras.applications' include_top).
var topLayers = map[string]bool{"avg_pool": false, "flatten": false, "fc1": true, "fc2": true, "predictions": true}

// Layers returns the LayerList of m. A model nested in m is refused: Keras saves it as
// one layer whose variables it regroups by trainability (KERAS.md §9.7), which a list by
// layer cannot describe.
func Layers(m *nn.Model) (*LayerList, error) {
	list := &LayerList{Format: LayerListFormat, Model: m.Name(), InputShape: []int(m.Inputs()[0].Shape().Clone())}
	info, isZoo := InfoOf(m)
	isZoo = isZoo && info.Name == m.Name()
	for _, l := range m.Layers() {
		if _, nested := l.(*nn.Model); nested {
			return nil, fmt.Errorf("zoo: model %q: layer %q is a nested model; list the nested model itself", m.Name(), l.Name())
		}
		vars := l.Variables()
		if len(vars) == 0 {
			continue
		}
		entry := LayerVariables{Name: l.Name(), Class: l.ClassName(), Top: isZoo && topLayers[l.Name()]}
		for _, v := range vars {
			entry.Variables = append(entry.Variables, VariableSpec{Name: v.ShortName(), Shape: v.Shape()})
		}
		if l.Name() == "predictions" && isZoo {
			list.IncludeTop = true
			list.Classes = vars[0].Shape()[1]
		}
		list.Layers = append(list.Layers, entry)
	}
	return list, nil
}

// JSON encodes the list with one layer per line.
func (l *LayerList) JSON() ([]byte, error) {
	head := *l
	head.Layers = nil
	data, err := json.Marshal(head)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Write(data[:len(data)-len(`null}`)])
	b.WriteString("[\n")
	for i, layer := range l.Layers {
		line, err := json.Marshal(layer)
		if err != nil {
			return nil, err
		}
		b.WriteString("  ")
		b.Write(line)
		if i < len(l.Layers)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	return b.Bytes(), nil
}

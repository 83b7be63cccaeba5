package zoo_test

import (
	"context"
	"fmt"

	"github.com/org/gotl/callbacks"
	"github.com/org/gotl/data"
	"github.com/org/gotl/layers"
	"github.com/org/gotl/nn"
	"github.com/org/gotl/optim"
	"github.com/org/gotl/zoo"
)

// The transfer-learning workflow: a frozen ResNet101 under a new classifier head, trained
// on a folder of images with Keras's augmentation, then fine-tuned from a named layer on.
// (It needs converted ImageNet weights and a folder of images, so it is compiled, not run.)
func Example_transferLearning() {
	ctx := context.Background()
	base, err := zoo.ResNet101(zoo.Config{InputShape: []int{224, 224, 3}, Weights: "resnet101_notop.npz"})
	if err != nil {
		fmt.Println(err)
		return
	}
	base.SetTrainable(false)
	model, err := nn.NewSequential([]nn.Layer{
		base,
		layers.NewFlatten(),
		layers.NewBatchNormalization(),
		layers.NewDense(256, layers.DenseConfig{Activation: layers.ReLU}),
		layers.NewDropout(0.5),
		layers.NewDense(15, layers.DenseConfig{Activation: layers.Softmax}),
	}, nn.WithSeed(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(model.Summary()) // Total params: 68,753,807, as Keras prints it

	preprocess, err := zoo.PreprocessFunc(base) // caffe mode for ResNet101
	if err != nil {
		fmt.Println(err)
		return
	}
	gen := data.ImageDataGenerator{
		WidthShiftRange: data.Shift(0.1), HeightShiftRange: data.Shift(0.1), ZoomRange: data.Zoom(0.1),
		HorizontalFlip: true, ValidationSplit: 0.3, PreprocessingFunction: preprocess,
	}
	flow := data.FlowConfig{TargetSize: [2]int{224, 224}, BatchSize: 32, Seed: 1}
	flow.Subset = data.SubsetTraining
	train, err := gen.FlowFromDirectory("scenes/", flow)
	if err != nil {
		fmt.Println(err)
		return
	}
	flow.Subset = data.SubsetValidation
	val, err := gen.FlowFromDirectory("scenes/", flow)
	if err != nil {
		fmt.Println(err)
		return
	}

	adam, _ := optim.NewAdam(optim.AdamConfig{LearningRate: 1e-3})
	if err := model.Compile(adam, nn.CategoricalCrossentropy{}, &nn.Accuracy{}); err != nil {
		fmt.Println(err)
		return
	}
	stop, _ := callbacks.NewEarlyStopping(callbacks.EarlyStoppingConfig{Patience: 5, RestoreBestWeights: true, RestoreAtEnd: true})
	if _, err := model.Fit(ctx, train, nn.FitConfig{Epochs: 20, Validation: val, Callbacks: []nn.Callback{stop}}); err != nil {
		fmt.Println(err)
		return
	}

	// Fine-tune: unfreeze the last stage, recompile with a small learning rate, go on.
	if err := base.UnfreezeFromLayer("conv5_block1_1_conv"); err != nil {
		fmt.Println(err)
		return
	}
	slow, _ := optim.NewAdam(optim.AdamConfig{LearningRate: 1e-5})
	if err := model.Compile(slow, nn.CategoricalCrossentropy{}, &nn.Accuracy{}); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := model.Fit(ctx, train, nn.FitConfig{Epochs: 40, InitialEpoch: 20, Validation: val}); err != nil {
		fmt.Println(err)
	}
}

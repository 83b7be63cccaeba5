package data

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
)

// ImageDataGenerator is Keras's ImageDataGenerator (keras_preprocessing 1.1): the random
// augmentation and the normalisation applied to every image of FlowFromDirectory and Flow.
// Its zero value is Keras's default: no augmentation, no rescaling, no validation split.
//
// Per image, in Keras's order: a random affine transform (rotation, shift, shear, zoom,
// resampled bilinearly with FillMode), a channel shift, horizontal and vertical flips, a
// brightness change, then PreprocessingFunction, then Rescale, then the samplewise
// normalisations. Random parameters follow Keras's rules (see RandomTransform); they are drawn
// from a generator seeded by (seed, epoch, sample index), so they cannot equal NumPy's draws.
//
// Unlike Keras, the validation subset gets no random transforms unless AugmentValidation is set,
// and ValidationSplitSeed can replace Keras's "first fraction of each class" split by a seeded
// random one.
type ImageDataGenerator struct {
	// RotationRange draws a rotation θ ~ U(−r, r) degrees (Keras rotation_range).
	RotationRange float64
	// WidthShiftRange and HeightShiftRange are Keras's width_shift_range and height_shift_range:
	// see ShiftRange for the fraction-or-pixels rule.
	WidthShiftRange, HeightShiftRange ShiftRange
	// BrightnessRange draws a brightness factor ~ U(lo, hi) (Keras brightness_range); the zero
	// value means none. As in Keras the image first goes through PIL: it is stretched to
	// 0..255, truncated to bytes and multiplied by the factor.
	BrightnessRange [2]float64
	// ShearRange draws a shear angle ~ U(−s, s) degrees (Keras shear_range).
	ShearRange float64
	// ZoomRange draws the row and column zoom factors independently ~ U(lo, hi); the zero value
	// means none. Zoom(z) gives Keras's number form [1−z, 1+z]. A factor above 1 shrinks the
	// content (zooms out), as in Keras.
	ZoomRange [2]float64
	// ChannelShiftRange adds one value ~ U(−r, r) to every channel, clipped to the image's
	// own [min, max] (Keras channel_shift_range).
	ChannelShiftRange float64
	// FillMode fills points outside the input during the affine transform (Keras fill_mode).
	FillMode FillMode
	// Cval is the fill value for FillConstant (Keras cval).
	Cval float64
	// HorizontalFlip and VerticalFlip flip with probability 1/2 (Keras horizontal_flip,
	// vertical_flip).
	HorizontalFlip, VerticalFlip bool
	// Rescale multiplies every value, after augmentation and after PreprocessingFunction;
	// 0 means none (Keras rescale=None).
	Rescale float64
	// PreprocessingFunction, if set, changes one image (h, w, c) in place, after augmentation and
	// before Rescale (Keras preprocessing_function). It is called from several goroutines at
	// once, each on its own image.
	PreprocessingFunction func(img []float32, h, w, c int)
	// SamplewiseCenter subtracts each image's mean; SamplewiseStdNormalization then divides by
	// its standard deviation + 1e-6 (Keras samplewise_center, samplewise_std_normalization;
	// the latter implies the former, as in Keras).
	SamplewiseCenter, SamplewiseStdNormalization bool
	// ValidationSplit is the fraction of each class (of the arrays, for Flow) reserved for
	// Subset validation, in (0, 1) when set (Keras validation_split).
	ValidationSplit float64

	// AugmentValidation applies the random transforms to the validation subset too, as Keras
	// does. By default gotl's validation subset is only resized, preprocessed and rescaled.
	AugmentValidation bool
	// RandomSplit picks each class's validation files at random, seeded by SplitSeed, instead
	// of Keras's first int(ValidationSplit·n) files in sorted order. The counts are the same;
	// the training and validation subsets of one SplitSeed never overlap.
	RandomSplit bool
	SplitSeed   uint64
}

// ShiftRange is Keras's width_shift_range / height_shift_range. With Choices empty, the shift
// is drawn ~ U(−Max, Max) (Keras's float form); otherwise it is one of Choices, picked
// uniformly, times a random sign (Keras's list form; Keras's int n means Choices 0..n−1, see
// ShiftPixels). If the largest value (Max, or the largest choice) is below 1, the shift is a
// fraction of the image's size, else a number of pixels: as in Keras, Shift(1.0) means ±1 pixel.
// The zero value means no shift.
type ShiftRange struct {
	Max     float64
	Choices []float64
}

// Shift is Keras's float shift range f: U(−f, f), a fraction of the size when f < 1.
func Shift(f float64) ShiftRange { return ShiftRange{Max: f} }

// ShiftPixels is Keras's int shift range n: an integer 0..n−1 pixels with a random sign.
func ShiftPixels(n int) ShiftRange {
	c := make([]float64, max(n, 0))
	for i := range c {
		c[i] = float64(i)
	}
	return ShiftRange{Choices: c}
}

// ShiftChoices is Keras's list shift range: one of values with a random sign.
func ShiftChoices(values ...float64) ShiftRange { return ShiftRange{Choices: values} }

func (s ShiftRange) active() bool { return s.Max != 0 || len(s.Choices) > 0 }

// draw is get_random_transform's shift rule for an image dimension of size n.
func (s ShiftRange) draw(r *rand.Rand, n int) float64 {
	var v, largest float64
	if len(s.Choices) > 0 {
		v = s.Choices[r.IntN(len(s.Choices))]
		if r.IntN(2) == 0 {
			v = -v
		}
		largest = slices.Max(s.Choices)
	} else {
		v = uniform(r, -s.Max, s.Max)
		largest = s.Max
	}
	if largest < 1 {
		v *= float64(n)
	}
	return v
}

// Zoom is Keras's number zoom range z: [1−z, 1+z].
func Zoom(z float64) [2]float64 { return [2]float64{1 - z, 1 + z} }

// FillMode says how the affine transform fills points outside the input: Keras's fill_mode,
// with scipy.ndimage's meaning.
type FillMode int

const (
	// FillNearest repeats the edge pixel (aaaa|abcd|dddd); Keras's default.
	FillNearest FillMode = iota
	// FillConstant uses Cval (kkkk|abcd|kkkk).
	FillConstant
	// FillReflect mirrors about the edge (dcba|abcd|dcba).
	FillReflect
	// FillWrap repeats the image with scipy's legacy period of n−1 pixels, as Keras gets it.
	FillWrap
)

func (m FillMode) String() string {
	switch m {
	case FillNearest:
		return "nearest"
	case FillConstant:
		return "constant"
	case FillReflect:
		return "reflect"
	case FillWrap:
		return "wrap"
	}
	return fmt.Sprintf("FillMode(%d)", int(m))
}

// TransformParams are the parameters of one image's random transform: Keras's
// transform_parameters dictionary. The zero value is the identity.
type TransformParams struct {
	// Theta is the rotation in degrees.
	Theta float64
	// Tx shifts ROWS (the height axis) and Ty shifts COLUMNS, in pixels: Keras's names, whose
	// x is the first array axis. A positive shift moves the content up (left).
	Tx, Ty float64
	// Shear is the shear angle in degrees.
	Shear float64
	// Zx zooms rows and Zy columns; 0 means 1 (no zoom).
	Zx, Zy float64
	// FlipHorizontal reverses columns, FlipVertical rows, after the affine transform.
	FlipHorizontal, FlipVertical bool
	// ChannelShift is added to all channels, then clipped to the image's [min, max]; 0: none.
	ChannelShift float64
	// Brightness is PIL's brightness factor; 0 means none.
	Brightness float64
}

func (p TransformParams) zoom() (zx, zy float64) {
	zx, zy = p.Zx, p.Zy
	if zx == 0 {
		zx = 1
	}
	if zy == 0 {
		zy = 1
	}
	return zx, zy
}

// hasAffine is Keras's condition for running the affine transform at all.
func (p TransformParams) hasAffine() bool {
	zx, zy := p.zoom()
	return p.Theta != 0 || p.Tx != 0 || p.Ty != 0 || p.Shear != 0 || zx != 1 || zy != 1
}

// validate checks the configuration; it returns errors naming the field, the value and the rule.
func (g *ImageDataGenerator) validate() error {
	finite := map[string]float64{
		"RotationRange": g.RotationRange, "WidthShiftRange.Max": g.WidthShiftRange.Max,
		"HeightShiftRange.Max": g.HeightShiftRange.Max, "ShearRange": g.ShearRange,
		"ChannelShiftRange": g.ChannelShiftRange, "Cval": g.Cval, "Rescale": g.Rescale,
		"BrightnessRange[0]": g.BrightnessRange[0], "BrightnessRange[1]": g.BrightnessRange[1],
		"ZoomRange[0]": g.ZoomRange[0], "ZoomRange[1]": g.ZoomRange[1],
		"ValidationSplit": g.ValidationSplit,
	}
	for _, name := range slices.Sorted(maps.Keys(finite)) {
		if v := finite[name]; math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("data: ImageDataGenerator: %s must be finite, got %v", name, v)
		}
	}
	if v := g.ValidationSplit; v != 0 && !(v > 0 && v < 1) {
		return fmt.Errorf("data: ImageDataGenerator: ValidationSplit must be strictly between 0 and 1, got %v", v)
	}
	if z := g.ZoomRange; z != [2]float64{} && z[0] > z[1] {
		return fmt.Errorf("data: ImageDataGenerator: ZoomRange must be [lo, hi] with lo <= hi, got %v", z)
	}
	if b := g.BrightnessRange; b != [2]float64{} && (b[0] > b[1] || b[0] < 0) {
		return fmt.Errorf("data: ImageDataGenerator: BrightnessRange must be [lo, hi] with 0 <= lo <= hi, got %v", b)
	}
	if g.FillMode < FillNearest || g.FillMode > FillWrap {
		return fmt.Errorf("data: ImageDataGenerator: unknown FillMode %d", int(g.FillMode))
	}
	for _, s := range []struct {
		name string
		r    ShiftRange
	}{{"WidthShiftRange", g.WidthShiftRange}, {"HeightShiftRange", g.HeightShiftRange}} {
		for _, c := range s.r.Choices {
			if math.IsNaN(c) || math.IsInf(c, 0) {
				return fmt.Errorf("data: ImageDataGenerator: %s.Choices must be finite, got %v", s.name, c)
			}
		}
	}
	return nil
}

// augments reports whether RandomTransform can return anything but the identity.
func (g *ImageDataGenerator) augments() bool {
	return g.RotationRange != 0 || g.WidthShiftRange.active() || g.HeightShiftRange.active() ||
		g.ShearRange != 0 || (g.ZoomRange != [2]float64{} && g.ZoomRange != [2]float64{1, 1}) ||
		g.HorizontalFlip || g.VerticalFlip || g.ChannelShiftRange != 0 ||
		g.BrightnessRange != [2]float64{}
}

// uniform is NumPy's uniform(lo, hi): lo + (hi−lo)·U[0, 1).
func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

// RandomTransform draws the parameters of a random transform for an image of h rows and w
// columns, with Keras's get_random_transform rules, in its order: θ, tx (rows, from
// HeightShiftRange), ty (columns, from WidthShiftRange), shear, zx and zy (independent), the
// flips, the channel shift, the brightness.
func (g *ImageDataGenerator) RandomTransform(h, w int, r *rand.Rand) TransformParams {
	var p TransformParams
	if g.RotationRange != 0 {
		p.Theta = uniform(r, -g.RotationRange, g.RotationRange)
	}
	if g.HeightShiftRange.active() {
		p.Tx = g.HeightShiftRange.draw(r, h)
	}
	if g.WidthShiftRange.active() {
		p.Ty = g.WidthShiftRange.draw(r, w)
	}
	if g.ShearRange != 0 {
		p.Shear = uniform(r, -g.ShearRange, g.ShearRange)
	}
	p.Zx, p.Zy = 1, 1
	if z := g.ZoomRange; z != [2]float64{} && z != [2]float64{1, 1} {
		p.Zx = uniform(r, z[0], z[1])
		p.Zy = uniform(r, z[0], z[1])
	}
	p.FlipHorizontal = r.Float64() < 0.5 && g.HorizontalFlip
	p.FlipVertical = r.Float64() < 0.5 && g.VerticalFlip
	if g.ChannelShiftRange != 0 {
		p.ChannelShift = uniform(r, -g.ChannelShiftRange, g.ChannelShiftRange)
	}
	if b := g.BrightnessRange; b != [2]float64{} {
		p.Brightness = uniform(r, b[0], b[1])
	}
	return p
}

// ApplyTransform writes src (h, w, c) transformed by p to dst (h, w, c): Keras's
// apply_transform with interpolation_order 1. The affine part reproduces scipy.ndimage's
// affine_transform (order 1, FillMode, Cval) in float64; brightness reproduces PIL's
// ImageEnhance.Brightness on the byte image Keras makes (which needs c = 1, 3 or 4).
// dst and src must not overlap.
func (g *ImageDataGenerator) ApplyTransform(dst, src []float32, h, w, c int, p TransformParams) error {
	if len(src) != h*w*c || len(dst) != h*w*c {
		return fmt.Errorf("data: ApplyTransform: image (%d, %d, %d) needs %d values, got src %d, dst %d", h, w, c, h*w*c, len(src), len(dst))
	}
	if p.Brightness != 0 && c != 1 && c != 3 && c != 4 {
		return fmt.Errorf("data: ApplyTransform: brightness needs 1, 3 or 4 channels, got %d", c)
	}
	g.applyTransform(dst, src, h, w, c, p)
	return nil
}

func (g *ImageDataGenerator) applyTransform(dst, src []float32, h, w, c int, p TransformParams) {
	if p.hasAffine() {
		affineTransform(dst, src, h, w, c, affineMatrix(p, h, w), g.FillMode, g.Cval, p.FlipHorizontal, p.FlipVertical)
	} else {
		flipCopy(dst, src, h, w, c, p.FlipHorizontal, p.FlipVertical)
	}
	if p.ChannelShift != 0 {
		channelShift(dst, float32(p.ChannelShift))
	}
	if p.Brightness != 0 {
		brightness(dst, c, p.Brightness)
	}
}

// Standardize applies PreprocessingFunction, Rescale and the samplewise normalisations to one
// image (h, w, c) in place: Keras's standardize.
func (g *ImageDataGenerator) Standardize(img []float32, h, w, c int) {
	if g.PreprocessingFunction != nil {
		g.PreprocessingFunction(img, h, w, c)
	}
	if g.Rescale != 0 {
		s := float32(g.Rescale)
		for i := range img {
			img[i] *= s
		}
	}
	if g.SamplewiseCenter || g.SamplewiseStdNormalization {
		var sum float64
		for _, v := range img {
			sum += float64(v)
		}
		mean := sum / float64(len(img))
		for i := range img {
			img[i] = float32(float64(img[i]) - mean)
		}
		if g.SamplewiseStdNormalization {
			var ss float64
			for _, v := range img {
				ss += float64(v) * float64(v)
			}
			std := float32(math.Sqrt(ss/float64(len(img)))) + 1e-6
			for i := range img {
				img[i] /= std
			}
		}
	}
}

// channelShift is Keras's apply_channel_shift: x + intensity, clipped to the image's own
// [min, max] over all channels.
func channelShift(x []float32, intensity float32) {
	lo, hi := minMax(x)
	for i, v := range x {
		x[i] = min(max(v+intensity, lo), hi)
	}
}

func minMax(x []float32) (lo, hi float32) {
	lo, hi = x[0], x[0]
	for _, v := range x[1:] {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// brightness is Keras's apply_brightness_shift: array_to_img (shift the minimum to 0 if
// negative, divide by the maximum, times 255, truncate to bytes), PIL's
// ImageEnhance.Brightness(factor) (a blend with black in float32, truncated, clipped when
// factor > 1; alpha kept), then back to floats. The result spans 0..255·factor whatever the
// input's range: Keras's behaviour, kept for parity.
func brightness(x []float32, c int, factor float64) {
	lo, _ := minMax(x)
	shift := max(-lo, 0)
	var hi float32
	for i := range x {
		x[i] += shift
		hi = max(hi, x[i])
	}
	alpha := float32(factor)
	for i, v := range x {
		if hi != 0 {
			v /= hi
		}
		b := uint8(v * 255) // NumPy's astype(uint8) of a value in [0, 255]: truncation
		if c == 4 && i%4 == 3 {
			x[i] = float32(b) // the alpha band is blended with itself
			continue
		}
		t := alpha * float32(b)
		switch {
		case alpha <= 1:
			x[i] = float32(uint8(t))
		case t <= 0:
			x[i] = 0
		case t >= 255:
			x[i] = 255
		default:
			x[i] = float32(uint8(t))
		}
	}
}

// errNoImages is wrapped by the errors for a directory without images.
var errNoImages = errors.New("no images")

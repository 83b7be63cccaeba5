package data

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	stdjpeg "image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// treeClasses are the 15 class folders of the test tree, chosen to exercise Python's
// code-point sort ('B' < 'a', 'class10' < 'class2', '-' < '.' < '_', non-ASCII last).
var treeClasses = []string{
	"B_upper", "a_lower", "class10", "class2", "Zebra", "zebra", "élan", "apple pie",
	"x-ray", "x.ray", "x_ray", "1st", "10th", "_under", "linked_class",
}

// treeNames are the 40 image names of each class: mixed formats and extension cases, with
// sub-folders whose walk order depends on sorting whole paths ("sub-2" < "sub/deeper").
var treeNames = []string{
	"img00.png", "img01.jpg", "img02.JPG", "img03.jpeg", "img04.bmp", "img05.ppm", "img06.tif",
	"img07.tiff", "img08.Png", "img09.JPEG", "IMG10.png", "img11.jpg", "Img12.bmp", "img13.png",
	"img14.jpg", "img15.ppm", "img16.png", "img17.tif", "img18.jpg", "img19.png",
	"sub/a.png", "sub/B.jpg", "sub/deeper/c.png", "sub/deeper/d.bmp", "sub-2/e.png", "sub-2/f.jpg",
	"Sub/g.png", "sub.x/h.png", "z/i.png", "z/j.jpg", "img20.png", "img21.jpg", "img22.png",
	"img23.jpeg", "img24.png", "img25.tiff", "img26.png", "img27.jpg", "fakepng", "img29.png",
}

// writeTestTree writes the folder of 15 classes × 40 images used to compare FlowFromDirectory
// with Keras (testdata/keras/listing.json) under root/classes, plus non-images Keras skips,
// a folder linked from inside a class (seen only with FollowLinks) and a class folder that
// is itself a link. Image sizes are 5..40 pixels. Deterministic.
func writeTestTree(t testing.TB, root string) string {
	dir := filepath.Join(root, "classes")
	r := rand.New(rand.NewPCG(1, 2))
	mustWrite := func(path string, b []byte) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for k, class := range treeClasses {
		classDir := filepath.Join(dir, class)
		if class == "linked_class" {
			classDir = filepath.Join(root, "elsewhere")
		}
		for i, name := range treeNames {
			w, h := 5+r.IntN(36), 5+r.IntN(36)
			mustWrite(filepath.Join(classDir, name), encodeTestImage(t, name, testImage(r, w, h, (k+i)%4 == 0)))
		}
		mustWrite(filepath.Join(classDir, "notes.txt"), []byte("not an image"))
		mustWrite(filepath.Join(classDir, "anim.gif"), []byte("GIF89a"))
	}
	if err := os.Symlink(filepath.Join("..", "elsewhere"), filepath.Join(dir, "linked_class")); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		mustWrite(filepath.Join(root, "extra", fmt.Sprintf("x%d.png", i)), encodeTestImage(t, "x.png", testImage(r, 9, 7, false)))
	}
	if err := os.Symlink(filepath.Join("..", "..", "extra"), filepath.Join(dir, "a_lower", "linked")); err != nil {
		t.Fatal(err)
	}
	mustWrite(filepath.Join(dir, "README.txt"), []byte("a file at the top is not a class"))
	return dir
}

// testImage is a small image with gradients and noise, colour or grey.
func testImage(r *rand.Rand, w, h int, gray bool) image.Image {
	if gray {
		m := image.NewGray(image.Rect(0, 0, w, h))
		for i := range m.Pix {
			m.Pix[i] = uint8(i*7 + r.IntN(40))
		}
		return m
	}
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), uint8(r.IntN(256)), 255})
		}
	}
	return m
}

// encodeTestImage encodes m in the format its name's extension says (PNG for "fakepng").
func encodeTestImage(t testing.TB, name string, m image.Image) []byte {
	var buf bytes.Buffer
	var err error
	switch ext := filepath.Ext(name); ext {
	case ".jpg", ".JPG", ".jpeg", ".JPEG":
		err = stdjpeg.Encode(&buf, m, &stdjpeg.Options{Quality: 90})
	case ".bmp":
		err = bmp.Encode(&buf, m)
	case ".tif", ".tiff":
		err = tiff.Encode(&buf, m, nil)
	case ".ppm":
		b := m.Bounds()
		fmt.Fprintf(&buf, "P6\n# gotl test\n%d %d\n255\n", b.Dx(), b.Dy())
		for y := range b.Dy() {
			for x := range b.Dx() {
				c := color.NRGBAModel.Convert(m.At(x, y)).(color.NRGBA)
				buf.Write([]byte{c.R, c.G, c.B})
			}
		}
	default:
		err = png.Encode(&buf, m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

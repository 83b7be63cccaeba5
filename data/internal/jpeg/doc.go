// Package jpeg is Go's image/jpeg decoder (Go 1.26, reader.go, scan.go, huffman.go; BSD
// licence in LICENSE) with its inverse DCT replaced by libjpeg's accurate integer one
// (jidctint.c, jpeg_idct_islow), the IDCT that PIL's libjpeg-turbo runs by default. With it,
// and with libjpeg's chroma upsampling and colour conversion done by the caller (package data,
// ycbcr.go), decoded pixels equal PIL's bit for bit, so that images match Keras's. Go's own
// IDCT differs from libjpeg's by up to 2 levels. The encoder, the image.RegisterFormat
// registration and the tests of the original are left out; package data fuzzes the decoder.
//
// This software is based in part on the work of the Independent JPEG Group.
package jpeg

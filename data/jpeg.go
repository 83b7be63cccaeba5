package data

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"slices"
)

// jpegDecoder decodes the JPEG files most photographs are: Huffman-coded, 8-bit, one
// component (grey) or three (YCbCr) with luma sampled at most 2×2 and chroma 1×1 (4:4:4,
// 4:2:2, 4:2:0, 4:4:0), either sequential (baseline or extended) in one interleaved scan or
// progressive (T.81 annex G: spectral selection and successive approximation, any number of
// scans), with or without restart intervals. It reproduces libjpeg-turbo's default decoding
// (what PIL gives) exactly: coefficients are dequantized in 16 bits and transformed with the
// islow integer IDCT (jpeg_idct.go); chroma upsampling and colour conversion are left to
// ycbcr.go.
//
// Anything else (arithmetic coding, 12-bit, lossless, hierarchical, CMYK, Adobe-transformed
// or RGB-tagged files, other samplings, sequential files in several scans, progressive files
// whose scans leave the low frequencies incomplete, which libjpeg smooths) is refused with an
// error wrapping errJPEGUnsupported, and the caller decodes it with image/jpeg.
//
// The decoder is written from ITU-T T.81 (the JPEG standard); section numbers below refer to
// it. A decoder is reused from image to image by one goroutine: it keeps its planes, tables
// and block, so that decoding allocates nothing once the planes are large enough. The image
// that decode returns aliases that memory, and is valid until the next decode.
type jpegDecoder struct {
	bits jpegBitReader

	quant    [4][64]int32 // quantization tables in zigzag order, as int16 values (libjpeg's multiplier type)
	quantSet [4]bool
	huff     [2][4]jpegHuffman // [class: 0 DC, 1 AC][destination]

	width, height   int
	comps           [3]jpegComponent
	ncomp           int
	mcusX, mcusY    int
	restartInterval int // MCUs between RSTn markers; 0: none
	sawFrame        bool
	laidOut         bool // layout has run for this file
	adobe           bool // an Adobe APP14 segment: its colour transform is left to image/jpeg
	progressive     bool // an SOF2 frame: scans accumulate into coef, the IDCT runs at EOI
	// corrupt records that the file needed libjpeg's leniency, where libjpeg (mostly with a
	// warning) goes on as this decoder does: garbage before a marker, non-sequential scan
	// parameters, a missing or wrong restart marker, zeros fed after a premature marker, an
	// undefined AC symbol; in progressive files, scans out of progression order, a refinement
	// symbol of size other than 1, bytes a scan left unread.
	corrupt bool

	block [64]int32 // dequantized coefficients of the current block, natural order
	pix   []uint8   // the planes, one after another
	ycc   image.YCbCr
	gray  image.Gray
	// Progressive files only.
	coef     []int16 // every component's coefficients, one after another (see jpegComponent)
	scan     jpegScan
	scans    int         // scans decoded
	eobrun   int         // blocks left in the current end-of-band run (T.81 G.1.2.2)
	coefBits [3][64]int8 // per component and zigzag index, the Al of its last scan; -1: none yet
}

// jpegComponent is one colour component of the frame (T.81 B.2.2) and its plane.
type jpegComponent struct {
	id     uint8
	h, v   int   // sampling factors: blocks per MCU horizontally and vertically
	tq     uint8 // quantization table destination
	dc, ac *jpegHuffman
	pred   int32   // DC predictor; libjpeg keeps it in an int and stores it in a 16-bit coefficient
	plane  []uint8 // (mcusY·v·8, mcusX·h·8) samples, row stride mcusX·h·8
	stride int
	// Progressive files only: coef holds (mcusY·v, mcusX·h) blocks of 64 quantized
	// coefficients in natural order, row stride blocksX blocks: the whole image, padded to
	// whole MCUs as the planes are. quant is the component's quantization table in natural
	// order, latched at its first scan as libjpeg latches it.
	coef     []int16
	blocksX  int
	quant    [64]int32
	quantSet bool
}

// jpegScan is a progressive scan's header (T.81 B.2.3, G.1.1.1): its components (indices in
// jpegDecoder.comps, in scan order), spectral selection ss..se (zigzag indices) and successive
// approximation: ah the bit position of the previous scan of this band (0: first scan), al the
// bit position of this one.
type jpegScan struct {
	comps  [3]int
	n      int
	ss, se int
	ah, al uint
}

// jpegMaxScans bounds the scans of a progressive file. Each scan runs over every block of its
// components, and a few bytes (an end-of-band run, or a scan with no data, decoded from
// zeros as libjpeg does) cover them all, so that without a bound a small file could cost
// hours. Encoders write about 10 scans (cjpeg, jpegtran, mozjpeg, browsers); one scan per bit
// of every coefficient of three components would be about 2100.
const jpegMaxScans = 1000

// errJPEGUnsupported marks a valid JPEG that jpegDecoder leaves to image/jpeg.
var errJPEGUnsupported = errors.New("jpeg: unsupported")

var errJPEGTruncated = errors.New("jpeg: truncated")

func jpegUnsupported(what string) error { return fmt.Errorf("%w: %s", errJPEGUnsupported, what) }

// zigzagToNatural[k] is the natural (row-major) index of the k-th coefficient in zigzag
// order (T.81 figure A.6), with 16 extra entries of 63 so that a corrupt run past the end of
// the block lands on the last coefficient, as in libjpeg.
var zigzagToNatural = [64 + 16]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
	63, 63, 63, 63, 63, 63, 63, 63,
	63, 63, 63, 63, 63, 63, 63, 63,
}

// decode decodes the JPEG file buf. It returns an *image.YCbCr or *image.Gray with bounds
// (0, 0, width, height) that aliases the decoder's memory until its next decode; its planes
// are padded to whole MCUs. The frame's width × height is checked against maxPixels before
// any plane is allocated. Errors start with "jpeg: "; valid files it does not handle give an
// error wrapping errJPEGUnsupported.
func (d *jpegDecoder) decode(buf []byte, maxPixels int64) (image.Image, error) {
	d.reset()
	if len(buf) < 2 || buf[0] != 0xFF || buf[1] != 0xD8 {
		return nil, errors.New("jpeg: missing SOI marker")
	}
	pos := 2
	for {
		marker, next, skipped, err := nextMarker(buf, pos)
		if err != nil {
			return nil, err
		}
		d.corrupt = d.corrupt || skipped
		pos = next
		switch {
		case marker == 0xD8:
			return nil, errors.New("jpeg: unexpected SOI marker")
		case marker == 0xD9:
			if d.progressive && d.scans > 0 {
				return d.finishProgressive()
			}
			return nil, errors.New("jpeg: no image before EOI marker")
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD7:
			continue // TEM and stray RSTn have no segment
		}
		if pos+2 > len(buf) {
			return nil, errJPEGTruncated
		}
		n := int(binary.BigEndian.Uint16(buf[pos:]))
		if n < 2 {
			return nil, fmt.Errorf("jpeg: marker 0x%02X: bad segment length %d", marker, n)
		}
		if pos+n > len(buf) {
			return nil, errJPEGTruncated
		}
		seg := buf[pos+2 : pos+n]
		pos += n
		switch {
		case marker == 0xC0 || marker == 0xC1 || marker == 0xC2: // SOF0 baseline, SOF1 extended, SOF2 progressive
			if err := d.parseFrame(seg, maxPixels); err != nil {
				return nil, err
			}
			d.progressive = marker == 0xC2
		case marker == 0xCA:
			return nil, jpegUnsupported("arithmetic coding")
		case marker == 0xC6 || marker == 0xCE:
			return nil, jpegUnsupported("hierarchical")
		case marker == 0xC3 || marker == 0xC7 || marker == 0xCB || marker == 0xCF:
			return nil, jpegUnsupported("lossless")
		case marker >= 0xC9 && marker <= 0xCD: // SOF9–SOF13 and DAC
			return nil, jpegUnsupported("arithmetic coding")
		case marker == 0xC5 || marker == 0xDE || marker == 0xDF:
			return nil, jpegUnsupported("hierarchical")
		case marker == 0xC4:
			if err := d.parseHuffmanTables(seg); err != nil {
				return nil, err
			}
		case marker == 0xDB:
			if err := d.parseQuantTables(seg); err != nil {
				return nil, err
			}
		case marker == 0xDD:
			if len(seg) != 2 {
				return nil, errors.New("jpeg: bad DRI segment")
			}
			d.restartInterval = int(binary.BigEndian.Uint16(seg))
		case marker == 0xEE:
			d.adobe = d.adobe || len(seg) >= 5 && string(seg[:5]) == "Adobe"
		case marker == 0xDA && d.progressive:
			if d.scans == jpegMaxScans {
				return nil, fmt.Errorf("jpeg: more than %d progressive scans", jpegMaxScans)
			}
			if err := d.parseProgressiveScan(seg); err != nil {
				return nil, err
			}
			d.bits = jpegBitReader{buf: buf, pos: pos}
			if err := d.decodeProgressiveScan(); err != nil {
				return nil, err
			}
			d.scans++
			// The bit reader stopped at the next marker, or before bytes the scan did not
			// need, which nextMarker skips as libjpeg does (extraneous data: corrupt).
			pos = d.bits.pos
		case marker == 0xDA:
			if err := d.parseScan(seg); err != nil {
				return nil, err
			}
			d.bits = jpegBitReader{buf: buf, pos: pos}
			if err := d.decodeScan(); err != nil {
				return nil, err
			}
			return d.image(), nil
		}
		// Other APPn, COM, DNL before a scan and unknown markers: skipped.
	}
}

// Memory a decoder keeps from one file to the next: planes up to 64 MiB (a 40-megapixel 4:2:0
// photograph) and progressive coefficients up to 128 MiB. A larger file's memory is dropped
// when the next file starts, so that one huge image does not stay resident in every worker.
const (
	jpegKeepPixels       = 64 << 20
	jpegKeepCoefficients = 64 << 20 // int16 values
)

// reset forgets the previous file's tables and markers, keeping the memory (within the bounds
// above).
func (d *jpegDecoder) reset() {
	if cap(d.pix) > jpegKeepPixels {
		d.pix = nil
	}
	if cap(d.coef) > jpegKeepCoefficients {
		d.coef = nil
	}
	d.quantSet = [4]bool{}
	for c := range d.huff {
		for t := range d.huff[c] {
			d.huff[c][t].defined = false
		}
	}
	d.block = [64]int32{}
	d.restartInterval = 0
	d.sawFrame, d.laidOut, d.adobe, d.progressive, d.corrupt = false, false, false, false, false
	d.scans = 0
	for i := range d.comps {
		d.comps[i].quantSet = false
	}
}

// nextMarker finds the marker at or after pos: it skips bytes up to a 0xFF as libjpeg does
// (corrupt files have garbage there; skipped says so), then fill bytes 0xFF. It returns the
// marker's code and the position after it.
func nextMarker(buf []byte, pos int) (marker byte, next int, skipped bool, err error) {
	for {
		for pos < len(buf) && buf[pos] != 0xFF {
			pos++
			skipped = true
		}
		for pos < len(buf) && buf[pos] == 0xFF {
			pos++
		}
		if pos >= len(buf) {
			return 0, 0, skipped, errJPEGTruncated
		}
		if buf[pos] != 0 {
			return buf[pos], pos + 1, skipped, nil
		}
		pos++ // a stuffed 0xFF outside entropy data: garbage too
		skipped = true
	}
}

// parseFrame reads a SOF0 or SOF1 segment (T.81 B.2.2) and lays out the planes.
func (d *jpegDecoder) parseFrame(seg []byte, maxPixels int64) error {
	if d.sawFrame {
		return errors.New("jpeg: more than one SOF marker")
	}
	d.sawFrame = true
	if len(seg) < 6 {
		return errors.New("jpeg: bad SOF segment")
	}
	if seg[0] != 8 {
		return jpegUnsupported(fmt.Sprintf("%d-bit precision", seg[0]))
	}
	d.height = int(binary.BigEndian.Uint16(seg[1:]))
	d.width = int(binary.BigEndian.Uint16(seg[3:]))
	d.ncomp = int(seg[5])
	if d.height == 0 {
		return jpegUnsupported("height defined by a DNL marker")
	}
	if d.ncomp != 1 && d.ncomp != 3 {
		return jpegUnsupported(fmt.Sprintf("%d components", d.ncomp))
	}
	if len(seg) != 6+3*d.ncomp {
		return errors.New("jpeg: bad SOF segment")
	}
	if err := checkPixels(d.width, d.height, maxPixels); err != nil {
		return fmt.Errorf("jpeg: %w", err)
	}
	for i := range d.ncomp {
		p := seg[6+3*i:]
		c := &d.comps[i]
		c.id, c.h, c.v, c.tq = p[0], int(p[1]>>4), int(p[1]&15), p[2]
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 {
			return fmt.Errorf("jpeg: component %d: bad sampling factors %dx%d", i, c.h, c.v)
		}
		if c.tq > 3 {
			return fmt.Errorf("jpeg: component %d: bad quantization table %d", i, c.tq)
		}
		for j := range i {
			if d.comps[j].id == c.id {
				return jpegUnsupported("repeated component identifier")
			}
		}
	}
	// A non-interleaved single component is coded in 8×8 units whatever its factors.
	if d.ncomp == 1 {
		d.comps[0].h, d.comps[0].v = 1, 1
	}
	return nil
}

// layout checks the sampling (against what ycbcr.go upsamples as libjpeg does) and points
// the planes and the output image at the decoder's memory, grown if needed.
func (d *jpegDecoder) layout() error {
	y, cb, cr := &d.comps[0], &d.comps[1], &d.comps[2]
	ratio := image.YCbCrSubsampleRatio444
	if d.ncomp == 3 {
		if d.adobe {
			return jpegUnsupported("Adobe colour transform")
		}
		if y.id == 'R' && cb.id == 'G' && cr.id == 'B' {
			return jpegUnsupported("RGB components")
		}
		same := cb.h == cr.h && cb.v == cr.v
		switch {
		case same && y.h == cb.h && y.v == cb.v && y.h <= 2 && y.v <= 2:
			// All components sampled alike: no upsampling, as 4:4:4.
		case same && cb.h == 1 && cb.v == 1 && y.h == 2 && y.v == 1:
			ratio = image.YCbCrSubsampleRatio422
		case same && cb.h == 1 && cb.v == 1 && y.h == 2 && y.v == 2:
			ratio = image.YCbCrSubsampleRatio420
		case same && cb.h == 1 && cb.v == 1 && y.h == 1 && y.v == 2:
			ratio = image.YCbCrSubsampleRatio440
		default:
			return jpegUnsupported(fmt.Sprintf("sampling %dx%d, %dx%d, %dx%d", y.h, y.v, cb.h, cb.v, cr.h, cr.v))
		}
	}
	// MCU size in pixels: 8 × the largest factors (T.81 A.2.4).
	d.mcusX = (d.width + 8*y.h - 1) / (8 * y.h)
	d.mcusY = (d.height + 8*y.v - 1) / (8 * y.v)
	total := 0
	for i := range d.ncomp {
		c := &d.comps[i]
		c.stride = d.mcusX * c.h * 8
		total += c.stride * d.mcusY * c.v * 8
	}
	if cap(d.pix) < total {
		d.pix = make([]uint8, total)
	}
	pix := d.pix[:total]
	for i := range d.ncomp {
		c := &d.comps[i]
		n := c.stride * d.mcusY * c.v * 8
		c.plane, pix = pix[:n:n], pix[n:]
	}
	if d.progressive {
		d.layoutCoefficients()
	}
	if d.ncomp == 1 {
		d.gray = image.Gray{Pix: y.plane, Stride: y.stride, Rect: image.Rect(0, 0, d.width, d.height)}
		return nil
	}
	d.ycc = image.YCbCr{Y: y.plane, Cb: cb.plane, Cr: cr.plane, YStride: y.stride, CStride: cb.stride,
		SubsampleRatio: ratio, Rect: image.Rect(0, 0, d.width, d.height)}
	return nil
}

func (d *jpegDecoder) image() image.Image {
	if d.ncomp == 1 {
		return &d.gray
	}
	return &d.ycc
}

// parseQuantTables reads a DQT segment (T.81 B.2.4.1): 8- or 16-bit tables in zigzag order.
// Values are kept as libjpeg keeps them, in 16-bit signed multipliers.
func (d *jpegDecoder) parseQuantTables(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, seg[0]&15
		if pq > 1 || tq > 3 {
			return fmt.Errorf("jpeg: bad DQT table %d precision %d", tq, pq)
		}
		size := 64 << pq
		if len(seg) < 1+size {
			return errors.New("jpeg: bad DQT segment length")
		}
		q := &d.quant[tq]
		for k := range 64 {
			if pq == 0 {
				q[k] = int32(seg[1+k])
			} else {
				q[k] = int32(int16(binary.BigEndian.Uint16(seg[1+2*k:])))
			}
		}
		d.quantSet[tq] = true
		seg = seg[1+size:]
	}
	return nil
}

// parseHuffmanTables reads a DHT segment (T.81 B.2.4.2).
func (d *jpegDecoder) parseHuffmanTables(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return errors.New("jpeg: bad DHT segment length")
		}
		tc, th := seg[0]>>4, seg[0]&15
		if tc > 1 || th > 3 {
			return fmt.Errorf("jpeg: bad DHT class %d destination %d", tc, th)
		}
		var counts [16]uint8
		copy(counts[:], seg[1:17])
		n := 0
		for _, c := range counts {
			n += int(c)
		}
		if n > 256 || len(seg) < 17+n {
			return errors.New("jpeg: bad DHT segment length")
		}
		if err := d.huff[tc][th].build(&counts, seg[17:17+n], tc == 1); err != nil {
			return err
		}
		seg = seg[17+n:]
	}
	return nil
}

// parseScan reads a SOS segment (T.81 B.2.3) and binds each component to its tables. Only a
// single scan with every component is handled; the spectral selection and approximation
// fields are ignored for sequential files, as libjpeg ignores them.
func (d *jpegDecoder) parseScan(seg []byte) error {
	if !d.sawFrame {
		return errors.New("jpeg: SOS marker before SOF")
	}
	if len(seg) < 1 || len(seg) != 1+2*int(seg[0])+3 {
		return errors.New("jpeg: bad SOS segment")
	}
	if int(seg[0]) != d.ncomp {
		return jpegUnsupported("non-interleaved scans")
	}
	if err := d.layout(); err != nil {
		return err
	}
	ss, se, a := seg[len(seg)-3], seg[len(seg)-2], seg[len(seg)-1]
	d.corrupt = d.corrupt || ss != 0 || se != 63 || a != 0
	for i := range d.ncomp {
		id, td, ta := seg[1+2*i], seg[2+2*i]>>4, seg[2+2*i]&15
		c := &d.comps[i]
		if c.id != id {
			return jpegUnsupported("scan components out of frame order")
		}
		if td > 3 || ta > 3 || !d.huff[0][td].defined || !d.huff[1][ta].defined {
			return fmt.Errorf("jpeg: component %d: missing Huffman table", i)
		}
		if d.huff[0][td].maxSymbol > 15 {
			return fmt.Errorf("jpeg: component %d: bad DC Huffman table", i)
		}
		if !d.quantSet[c.tq] {
			return fmt.Errorf("jpeg: component %d: missing quantization table %d", i, c.tq)
		}
		c.dc, c.ac = &d.huff[0][td], &d.huff[1][ta]
		c.pred = 0
	}
	return nil
}

// decodeScan decodes the entropy-coded data of the scan MCU by MCU (T.81 F.2), each block
// straight into its plane.
func (d *jpegDecoder) decodeScan() error {
	restarts, nextRST := 0, 0
	for my := range d.mcusY {
		for mx := range d.mcusX {
			if d.restartInterval > 0 && restarts == d.restartInterval {
				if err := d.restart(&nextRST); err != nil {
					return err
				}
				restarts = 0
			}
			restarts++
			for i := range d.ncomp {
				c := &d.comps[i]
				q := &d.quant[c.tq]
				for v := range c.v {
					for h := range c.h {
						off := ((my*c.v+v)*c.stride + (mx*c.h + h)) * 8
						if err := d.decodeBlock(c, q, c.plane[off:], c.stride); err != nil {
							return err
						}
					}
				}
			}
		}
		if err := d.checkPadding(); err != nil {
			return err
		}
	}
	return nil
}

// restart ends a restart interval (T.81 F.1.2.3): a file truncated before it is an error, the
// marker RST(nextRST) is consumed (nextRST advances), and the DC predictors and the
// end-of-band run start again.
func (d *jpegDecoder) restart(nextRST *int) error {
	if err := d.checkPadding(); err != nil {
		return err
	}
	d.corrupt = !d.bits.restart(byte(0xD0+*nextRST)) || d.corrupt
	*nextRST = (*nextRST + 1) & 7
	d.eobrun = 0
	for i := range d.ncomp {
		d.comps[i].pred = 0
	}
	return nil
}

// checkPadding looks at whether zeros the bit reader fed have been used: after the end of
// the file that is a truncated file, an error (PIL too refuses a truncated file), found as
// early as each MCU row rather than after decoding the rest from zeros; after a premature
// marker it is corrupt data that libjpeg decodes with a warning, and so does this decoder.
func (d *jpegDecoder) checkPadding() error {
	br := &d.bits
	if br.pad > br.n {
		if br.eof {
			return errJPEGTruncated
		}
		d.corrupt = true
	}
	return nil
}

// decodeBlock decodes one block's Huffman-coded coefficients (T.81 F.2.2), dequantizes them
// with q (zigzag order) into d.block and writes its inverse DCT to dst (row stride stride).
func (d *jpegDecoder) decodeBlock(c *jpegComponent, q *[64]int32, dst []uint8, stride int) error {
	br := &d.bits
	if br.n < 32 {
		br.refill()
	}
	s, ok := br.decode(c.dc)
	if !ok {
		return errJPEGBadCode
	}
	if s != 0 {
		c.pred += br.receiveExtend(s)
	}
	blk := &d.block
	// libjpeg stores the DC value in a 16-bit coefficient; see dequantize.
	dc := dequantize(int32(int16(c.pred)), q[0])
	eob := 0
	ac := c.ac
	acc, n := br.acc, br.n // in registers for the loop; br is synced around calls
	for k := 1; k < 64; k++ {
		if n < 32 {
			br.acc, br.n = acc, n
			br.refill()
			acc, n = br.acc, br.n
		}
		if f := ac.fastAC[acc>>(64-jpegLookahead)]; f != 0 {
			length := uint(f & 15)
			acc <<= length
			n -= int(length)
			k += int(f >> 4 & 15)
			blk[zigzagToNatural[k]] = dequantize(f>>8, q[min(k, 63)])
			eob = k
			continue
		}
		br.acc, br.n = acc, n
		rs, ok := br.decode(ac)
		if !ok {
			*blk = [64]int32{}
			return errJPEGBadCode
		}
		r, s := int(rs>>4), rs&15
		if s == 0 {
			acc, n = br.acc, br.n
			if r != 15 {
				// EOB; R/0 symbols other than 0/0 and 15/0 are undefined in sequential
				// files (image/jpeg reads them as progressive EOB runs, libjpeg as EOB).
				d.corrupt = d.corrupt || r != 0
				break
			}
			k += 15 // ZRL: sixteen zeros
			continue
		}
		k += r
		// k ≤ 63 + 15: past 63 libjpeg's table, and so zigzagToNatural, gives 63.
		blk[zigzagToNatural[k]] = dequantize(br.receiveExtend(s), q[min(k, 63)])
		acc, n = br.acc, br.n
		eob = k
	}
	br.acc, br.n = acc, n
	if eob == 0 {
		idctDC(dc, dst, stride)
		return nil
	}
	blk[0] = dc
	idctIslow(blk, dst, stride)
	*blk = [64]int32{}
	return nil
}

var errJPEGBadCode = errors.New("jpeg: bad Huffman code")

// dequantize is coefficient × quantization value as libjpeg-turbo's SIMD IDCTs (which PIL
// runs on x86-64 and Arm) compute it: a 16-bit multiply keeping the low 16 bits. Valid 8-bit
// data never leaves that range (|coefficient × value| ≤ about 2048); corrupt data can, and
// then wraps as it does in PIL.
func dequantize(coefficient, value int32) int32 { return int32(int16(coefficient * value)) }

// layoutCoefficients points each component at its share of d.coef (grown if needed, zeroed):
// 64 coefficients for each block of its plane. With 16-bit coefficients that is twice the
// planes' memory, which the pixel limit has bounded.
func (d *jpegDecoder) layoutCoefficients() {
	total := 0
	for i := range d.ncomp {
		total += len(d.comps[i].plane) // 64 samples, 64 coefficients per block
	}
	if cap(d.coef) < total {
		d.coef = make([]int16, total)
	}
	coef := d.coef[:total]
	clear(coef)
	for i := range d.ncomp {
		c := &d.comps[i]
		n := len(c.plane)
		c.coef, coef = coef[:n:n], coef[n:]
		c.blocksX = c.stride / 8
	}
	for i := range d.coefBits {
		for k := range d.coefBits[i] {
			d.coefBits[i][k] = -1
		}
	}
}

// parseProgressiveScan reads the SOS segment of a progressive scan (T.81 B.2.3), checks its
// parameters as libjpeg does (G.1.1.1: a DC scan codes Ss = Se = 0, possibly interleaved; an
// AC scan one band 1 ≤ Ss ≤ Se ≤ 63 of one component; a refinement scan Al = Ah - 1; Al ≤ 13)
// and binds the components to the tables the scan uses. Parameters that disagree with the
// previous scans (libjpeg warns: a bogus progression) mark the file corrupt.
func (d *jpegDecoder) parseProgressiveScan(seg []byte) error {
	if len(seg) < 1 || len(seg) != 1+2*int(seg[0])+3 {
		return errors.New("jpeg: bad SOS segment")
	}
	if !d.laidOut {
		if err := d.layout(); err != nil {
			return err
		}
		d.laidOut = true
	}
	sc := &d.scan
	sc.n = int(seg[0])
	p := seg[1+2*sc.n:]
	sc.ss, sc.se, sc.ah, sc.al = int(p[0]), int(p[1]), uint(p[2]>>4), uint(p[2]&15)
	bad := sc.n < 1 || sc.n > d.ncomp || sc.al > 13 || sc.ah != 0 && sc.al != sc.ah-1
	if sc.ss == 0 {
		bad = bad || sc.se != 0
	} else {
		bad = bad || sc.se < sc.ss || sc.se > 63 || sc.n != 1
	}
	if bad {
		return fmt.Errorf("jpeg: bad progressive scan: %d components, Ss %d, Se %d, Ah %d, Al %d", seg[0], sc.ss, sc.se, sc.ah, sc.al)
	}
	for j := range sc.n {
		id, td, ta := seg[1+2*j], seg[2+2*j]>>4, seg[2+2*j]&15
		i := 0
		for i < d.ncomp && d.comps[i].id != id {
			i++
		}
		if i == d.ncomp || j > 0 && slices.Contains(sc.comps[:j], i) {
			return fmt.Errorf("jpeg: scan component %d: bad identifier %d", j, id)
		}
		sc.comps[j] = i
		c := &d.comps[i]
		switch {
		case sc.ss == 0 && sc.ah == 0: // DC first scan: Huffman-coded differences
			if td > 3 || !d.huff[0][td].defined {
				return fmt.Errorf("jpeg: component %d: missing Huffman table", i)
			}
			if d.huff[0][td].maxSymbol > 15 {
				return fmt.Errorf("jpeg: component %d: bad DC Huffman table", i)
			}
			c.dc = &d.huff[0][td]
		case sc.ss > 0: // AC scans, first and refinement
			if ta > 3 || !d.huff[1][ta].defined {
				return fmt.Errorf("jpeg: component %d: missing Huffman table", i)
			}
			c.ac = &d.huff[1][ta]
		}
		if !c.quantSet {
			if !d.quantSet[c.tq] {
				return fmt.Errorf("jpeg: component %d: missing quantization table %d", i, c.tq)
			}
			for k, q := range d.quant[c.tq] {
				c.quant[zigzagToNatural[k]] = q
			}
			c.quantSet = true
		}
		c.pred = 0
		bits := &d.coefBits[i]
		if sc.ss > 0 && bits[0] < 0 {
			d.corrupt = true // AC before DC
		}
		for k := sc.ss; k <= sc.se; k++ {
			d.corrupt = d.corrupt || int(sc.ah) != max(int(bits[k]), 0)
			bits[k] = int8(sc.al)
		}
	}
	return nil
}

// decodeProgressiveScan decodes the entropy-coded data of a progressive scan into the
// coefficients (T.81 G.1.2). An interleaved scan (a DC scan of several components) codes
// whole MCUs; a scan of one component codes its blocks in raster order, ceil(w·Hi/Hmax/8) ×
// ceil(h·Vi/Vmax/8) of them, without the MCU padding (T.81 A.2.2).
func (d *jpegDecoder) decodeProgressiveScan() error {
	sc := &d.scan
	d.eobrun = 0
	unitsX, unitsY := d.mcusX, d.mcusY
	if sc.n == 1 {
		c := &d.comps[sc.comps[0]]
		hmax, vmax := d.comps[0].h, d.comps[0].v // luma has the largest factors (layout)
		unitsX = (ceilDiv(d.width*c.h, hmax) + 7) / 8
		unitsY = (ceilDiv(d.height*c.v, vmax) + 7) / 8
	}
	restarts, nextRST := 0, 0
	for uy := range unitsY {
		for ux := range unitsX {
			if d.restartInterval > 0 && restarts == d.restartInterval {
				if err := d.restart(&nextRST); err != nil {
					return err
				}
				restarts = 0
			}
			restarts++
			if sc.n == 1 {
				if err := d.decodeProgressiveBlock(&d.comps[sc.comps[0]], ux, uy); err != nil {
					return err
				}
				continue
			}
			for _, i := range sc.comps[:sc.n] {
				c := &d.comps[i]
				for v := range c.v {
					for h := range c.h {
						if err := d.decodeProgressiveBlock(c, ux*c.h+h, uy*c.v+v); err != nil {
							return err
						}
					}
				}
			}
		}
		if err := d.checkPadding(); err != nil {
			return err
		}
	}
	return nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// decodeProgressiveBlock decodes the current scan's part of block (bx, by) of component c
// (T.81 G.1.2.1 for DC, G.1.2.2 for AC first scans, G.1.2.3 for AC refinement).
func (d *jpegDecoder) decodeProgressiveBlock(c *jpegComponent, bx, by int) error {
	b := (*[64]int16)(c.coef[(by*c.blocksX+bx)*64:])
	sc := &d.scan
	br := &d.bits
	switch {
	case sc.ss == 0 && sc.ah == 0: // DC first: the difference as in sequential files, scaled
		br.ensure(32)
		s, ok := br.decode(c.dc)
		if !ok {
			return errJPEGBadCode
		}
		if s != 0 {
			c.pred += br.receiveExtend(s)
		}
		b[0] = int16(c.pred << sc.al) // wrapped to libjpeg's 16-bit coefficient
	case sc.ss == 0: // DC refinement: one more bit
		if br.bit() {
			b[0] |= 1 << sc.al
		}
	case sc.ah == 0:
		return d.decodeACFirst(c, b)
	default:
		return d.decodeACRefine(c, b)
	}
	return nil
}

// decodeACFirst decodes band ss..se of a block in a first AC scan (T.81 G.1.2.2): run/size
// symbols as in sequential files, values scaled by 2^al, and end-of-band runs (EOBn) that
// end this block's band and the next EOBRUN blocks' at once.
func (d *jpegDecoder) decodeACFirst(c *jpegComponent, b *[64]int16) error {
	if d.eobrun > 0 {
		d.eobrun--
		return nil
	}
	sc := &d.scan
	br := &d.bits
	for k := sc.ss; k <= sc.se; k++ {
		br.ensure(32)
		rs, ok := br.decode(c.ac)
		if !ok {
			return errJPEGBadCode
		}
		r, s := int(rs>>4), rs&15
		if s != 0 {
			k += r // ≤ 63 + 15: past se (corrupt data) zigzagToNatural gives 63, as libjpeg
			b[zigzagToNatural[k]] = int16(br.receiveExtend(s) << sc.al)
			continue
		}
		if r < 15 { // EOBr: this band and the 2^r - 1 + (r bits) blocks after it end here
			d.eobrun = 1<<r - 1
			if r > 0 {
				d.eobrun += int(br.bits(r))
			}
			return nil
		}
		k += 15 // ZRL: sixteen zeros
	}
	return nil
}

// decodeACRefine decodes a refinement scan of band ss..se (T.81 G.1.2.3): coefficients
// already nonzero get one correction bit each (adding 2^al away from zero when set), and a
// coded symbol places a new ±2^al after skipping r coefficients that are still zero. In an
// end-of-band run only the correction bits remain.
func (d *jpegDecoder) decodeACRefine(c *jpegComponent, b *[64]int16) error {
	sc := &d.scan
	br := &d.bits
	p1 := int16(1) << sc.al
	k := sc.ss
	if d.eobrun == 0 {
		for ; k <= sc.se; k++ {
			br.ensure(32)
			rs, ok := br.decode(c.ac)
			if !ok {
				return errJPEGBadCode
			}
			r, s := int(rs>>4), rs&15
			var value int16
			if s != 0 {
				d.corrupt = d.corrupt || s != 1 // sizes other than 1: libjpeg warns, reads one bit
				value = -p1
				if br.bit() {
					value = p1
				}
			} else if r != 15 { // EOBr: the run starts with this block
				d.eobrun = 1 << r
				if r > 0 {
					d.eobrun += int(br.bits(r))
				}
				break
			}
			// Skip r still-zero coefficients, refining the nonzero ones on the way, up to the
			// zero coefficient that value goes to (or, for ZRL, the sixteenth zero).
			for ; k <= sc.se; k++ {
				z := zigzagToNatural[k]
				if b[z] != 0 {
					d.refine(&b[z], p1)
				} else {
					if r == 0 {
						break
					}
					r--
				}
			}
			if s != 0 {
				b[zigzagToNatural[k]] = value // k ≤ se + 1: zigzagToNatural has entries past 63
			}
		}
	}
	if d.eobrun > 0 {
		for ; k <= sc.se; k++ {
			if z := zigzagToNatural[k]; b[z] != 0 {
				d.refine(&b[z], p1)
			}
		}
		d.eobrun--
	}
	return nil
}

// refine applies a correction bit to the nonzero coefficient v: set, it adds p1 away from
// zero unless that bit is already set (corrupt data), as libjpeg does.
func (d *jpegDecoder) refine(v *int16, p1 int16) {
	if d.bits.bit() && *v&p1 == 0 {
		if *v >= 0 {
			*v += p1
		} else {
			*v -= p1
		}
	}
}

// finishProgressive runs at EOI: the inverse DCT of every block of every component, from the
// coefficients all scans have built, into the planes. libjpeg-turbo, when scans leave any of
// the first ten zigzag coefficients of a component short of full precision (or absent),
// smooths them from neighbouring blocks' DC terms (jdcoefct.c, block smoothing): such files
// go to image/jpeg instead.
func (d *jpegDecoder) finishProgressive() (image.Image, error) {
	for i := range d.ncomp {
		for _, bits := range d.coefBits[i][:10] {
			if bits != 0 {
				return nil, jpegUnsupported("progressive scans leave low frequencies incomplete")
			}
		}
	}
	blk := &d.block
	for i := range d.ncomp {
		c := &d.comps[i]
		rows := len(c.plane) / c.stride / 8
		for by := range rows {
			for bx := range c.blocksX {
				coef := (*[64]int16)(c.coef[(by*c.blocksX+bx)*64:])
				dst := c.plane[(by*c.stride+bx)*8:]
				ac := false
				for k, v := range coef {
					blk[k] = dequantize(int32(v), c.quant[k])
					ac = ac || k > 0 && v != 0
				}
				if ac {
					idctIslow(blk, dst, c.stride)
				} else {
					idctDC(blk[0], dst, c.stride)
				}
			}
		}
	}
	*blk = [64]int32{}
	return d.image(), nil
}

// jpegHuffman is a Huffman decoding table (T.81 C and F.2.2.3) for canonical codes of 1 to
// 16 bits: a lookahead table resolves codes of up to jpegLookahead bits with one index, the
// rest are found length by length from maxCode.
type jpegHuffman struct {
	// lookahead[b] is (length << 8) | symbol for the code that the next jpegLookahead bits
	// b start with, or 0 when that code is longer.
	lookahead [1 << jpegLookahead]uint16
	// fastAC[b], in AC tables, is value << 8 | run << 4 | (length + size) when the next
	// jpegLookahead bits b hold a whole coefficient: a code of length bits for (run, size)
	// with size > 0, followed by the size bits of its value; 0 otherwise.
	fastAC    [1 << jpegLookahead]int32
	maxCode   [17]int32 // largest code of each length, -1 when there are none
	valOffset [17]int32 // index in values of a code of each length, minus the code
	values    [256]uint8
	nvalues   int
	maxSymbol uint8
	defined   bool
}

const jpegLookahead = 9

// build makes the table for counts[l-1] codes of length l, assigned in order to the symbols
// of values (T.81 C.2, figures C.1–C.3), with fastAC for an AC table. A code space
// overflowing its length is an error.
func (h *jpegHuffman) build(counts *[16]uint8, values []uint8, ac bool) error {
	h.defined = false
	h.lookahead = [1 << jpegLookahead]uint16{}
	h.nvalues = copy(h.values[:], values)
	h.maxSymbol = 0
	for _, v := range values {
		h.maxSymbol = max(h.maxSymbol, v)
	}
	code, k := int32(0), int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		h.valOffset[l] = k - code
		h.maxCode[l] = -1
		if n > 0 {
			h.maxCode[l] = code + n - 1
		}
		for range n {
			if code >= 1<<l {
				return errors.New("jpeg: bad Huffman table")
			}
			if l <= jpegLookahead {
				shift := jpegLookahead - l
				entry := uint16(l)<<8 | uint16(h.values[k])
				for i := code << shift; i < (code+1)<<shift; i++ {
					h.lookahead[i] = entry
				}
			}
			code++
			k++
		}
		code <<= 1
	}
	h.fastAC = [1 << jpegLookahead]int32{}
	for b, e := range h.lookahead {
		if !ac || e == 0 {
			continue
		}
		length, run, size := int(e>>8), int32(e>>4&15), int(e&15)
		if size == 0 || length+size > jpegLookahead {
			continue
		}
		v := int32(b>>(jpegLookahead-length-size)) & (1<<size - 1)
		h.fastAC[b] = extend(v, size)<<8 | run<<4 | int32(length+size)
	}
	h.defined = true
	return nil
}

// jpegBitReader reads the entropy-coded segment of a scan (T.81 F.1.2.3: a 0xFF data byte is
// followed by a stuffed 0x00, anything else after 0xFF is a marker). Like libjpeg, it feeds
// zero bits once it meets a marker (a restart marker is consumed by restart) or the end of
// the data; pad counts them: valid data never needs them.
type jpegBitReader struct {
	buf    []byte
	pos    int
	acc    uint64 // pending bits, most significant first
	n      int    // number of pending bits
	pad    int    // zero bits fed since a marker or the end of buf stopped the reading
	marker bool   // a marker stopped the reading
	eof    bool   // the end of buf stopped the reading
}

// refill tops the pending bits up to at least 57.
func (r *jpegBitReader) refill() {
	// Fast path: 8 bytes without 0xFF hold no stuffing and no marker. A byte of w is 0xFF
	// when that byte of ^w is zero, which the usual has-zero-byte test finds.
	if r.pos+8 <= len(r.buf) && !r.marker {
		w := binary.BigEndian.Uint64(r.buf[r.pos:])
		if x := ^w; (x-0x0101010101010101)&^x&0x8080808080808080 == 0 {
			k := (64 - r.n) >> 3 // whole bytes that fit
			r.acc |= w >> (64 - 8*k) << (64 - r.n - 8*k)
			r.n += 8 * k
			r.pos += k
			return
		}
	}
	for r.n <= 56 {
		var b byte
		switch {
		case r.marker:
			r.pad += 8
		case r.pos >= len(r.buf):
			r.eof = true
			r.pad += 8
		default:
			b = r.buf[r.pos]
			if b != 0xFF {
				r.pos++
				break
			}
			// 0xFF: stuffed data (0xFF 0x00), fill bytes before a marker, or a marker.
			p := r.pos + 1
			for p < len(r.buf) && r.buf[p] == 0xFF {
				p++
			}
			switch {
			case p >= len(r.buf):
				r.pos = len(r.buf)
				r.eof = true
				r.pad += 8
				b = 0
			case r.buf[p] == 0:
				r.pos = p + 1
			default:
				r.marker = true // left unread at r.pos
				r.pad += 8
				b = 0
			}
		}
		r.acc |= uint64(b) << (56 - r.n)
		r.n += 8
	}
}

// decode reads one Huffman-coded symbol with table h; the caller has made sure at least 16
// bits are pending. ok is false for a bit pattern that is no code of h.
func (r *jpegBitReader) decode(h *jpegHuffman) (symbol uint8, ok bool) {
	if e := h.lookahead[r.acc>>(64-jpegLookahead)]; e != 0 {
		l := e >> 8
		r.acc <<= l
		r.n -= int(l)
		return uint8(e), true
	}
	return r.decodeLong(h)
}

// decodeLong resolves a code longer than the lookahead, one length at a time (T.81 F.2.2.3).
func (r *jpegBitReader) decodeLong(h *jpegHuffman) (uint8, bool) {
	for l := jpegLookahead + 1; l <= 16; l++ {
		code := int32(r.acc >> (64 - l))
		if code <= h.maxCode[l] {
			i := code + h.valOffset[l]
			if i < 0 || int(i) >= h.nvalues {
				return 0, false
			}
			r.acc <<= l
			r.n -= l
			return h.values[i], true
		}
	}
	return 0, false
}

// ensure makes sure at least n ≤ 57 bits are pending.
func (r *jpegBitReader) ensure(n int) {
	if r.n < n {
		r.refill()
	}
}

// bits reads s raw bits, 1 ≤ s ≤ 16.
func (r *jpegBitReader) bits(s int) int32 {
	r.ensure(s)
	v := int32(r.acc >> (64 - s))
	r.acc <<= s
	r.n -= s
	return v
}

// bit reads one bit.
func (r *jpegBitReader) bit() bool { return r.bits(1) != 0 }

// receiveExtend reads s bits (1 ≤ s ≤ 15; the caller made sure they are pending) and
// extends them to the signed value they code.
func (r *jpegBitReader) receiveExtend(s uint8) int32 {
	v := int32(r.acc >> (64 - s))
	r.acc <<= s
	r.n -= int(s)
	return extend(v, int(s))
}

// extend is the signed value that the s bits v code (T.81 F.2.2.1, EXTEND): values below
// 2^(s-1) are negative.
func extend(v int32, s int) int32 {
	if v < 1<<(s-1) {
		v -= 1<<s - 1
	}
	return v
}

// restart handles the restart marker expected at the end of a restart interval (T.81
// F.1.2.3): pending bits are dropped, and the marker is consumed when it is the expected one
// (ok). Otherwise the marker stays unread and zeros are fed, as libjpeg does for a lost one.
func (r *jpegBitReader) restart(want byte) (ok bool) {
	r.acc, r.n, r.pad = 0, 0, 0
	r.marker = false
	marker, next, skipped, err := nextMarker(r.buf, r.pos)
	switch {
	case err != nil:
		r.pos = len(r.buf)
		return false
	case marker == want:
		r.pos = next
		return !skipped
	default:
		r.pos = next - 2
		r.marker = true
		return false
	}
}

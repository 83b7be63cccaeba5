package data

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
)

// decodePNMConfig reads the header of a Netpbm image: PBM (P1, P4), PGM (P2, P5) or PPM
// (P3, P6), the formats PIL opens for Keras's .ppm extension.
func decodePNMConfig(r io.Reader) (image.Config, error) {
	h, err := readPNMHeader(bufio.NewReader(r))
	if err != nil {
		return image.Config{}, err
	}
	model := color.Model(color.RGBAModel)
	if h.channels == 1 {
		model = color.GrayModel
	}
	return image.Config{ColorModel: model, Width: h.w, Height: h.h}, nil
}

// decodePNM decodes a Netpbm image into image.Gray or image.NRGBA. Sample values above 255
// (maxval > 255) keep their high byte; other maxvals are scaled to 0..255.
func decodePNM(r io.Reader) (image.Image, error) {
	br := bufio.NewReader(r)
	h, err := readPNMHeader(br)
	if err != nil {
		return nil, err
	}
	n := h.w * h.h
	var gray *image.Gray
	var rgb *image.NRGBA
	if h.channels == 1 {
		gray = image.NewGray(image.Rect(0, 0, h.w, h.h))
	} else {
		rgb = image.NewNRGBA(image.Rect(0, 0, h.w, h.h))
	}
	set := func(i int, c int, v uint8) {
		if gray != nil {
			gray.Pix[i] = v
			return
		}
		rgb.Pix[4*i+c] = v
		rgb.Pix[4*i+3] = 255
	}
	scale := func(v int) uint8 {
		switch {
		case h.maxval == 255:
			return uint8(v)
		case h.maxval > 255:
			return uint8(v * 255 / h.maxval)
		}
		return uint8((v*255 + h.maxval/2) / h.maxval)
	}
	switch h.magic {
	case '4': // packed bits, rows padded to a byte, 1 = black
		rowBytes := (h.w + 7) / 8
		row := make([]byte, rowBytes)
		for y := range h.h {
			if _, err := io.ReadFull(br, row); err != nil {
				return nil, fmt.Errorf("pbm row %d: %w", y, eofIsUnexpected(err))
			}
			for x := range h.w {
				bit := row[x/8] >> (7 - x%8) & 1
				set(y*h.w+x, 0, 255*(1-bit))
			}
		}
	case '5', '6':
		bytesPer := 1
		if h.maxval > 255 {
			bytesPer = 2
		}
		row := make([]byte, h.w*h.channels*bytesPer)
		for y := range h.h {
			if _, err := io.ReadFull(br, row); err != nil {
				return nil, fmt.Errorf("row %d: %w", y, eofIsUnexpected(err))
			}
			for k := range h.w * h.channels {
				v := int(row[k*bytesPer])
				if bytesPer == 2 {
					v = v<<8 | int(row[2*k+1])
				}
				if v > h.maxval {
					return nil, fmt.Errorf("sample %d exceeds maxval %d", v, h.maxval)
				}
				set(y*h.w+k/h.channels, k%h.channels, scale(v))
			}
		}
	default: // '1', '2', '3': ASCII samples
		for i := range n * h.channels {
			v, err := readPNMInt(br, h.magic == '1')
			if err != nil {
				return nil, fmt.Errorf("sample %d: %w", i, err)
			}
			if h.magic == '1' {
				if v > 1 {
					return nil, fmt.Errorf("pbm sample %d is not 0 or 1", v)
				}
				set(i, 0, uint8(255*(1-v)))
				continue
			}
			if v > h.maxval {
				return nil, fmt.Errorf("sample %d exceeds maxval %d", v, h.maxval)
			}
			set(i/h.channels, i%h.channels, scale(v))
		}
	}
	if gray != nil {
		return gray, nil
	}
	return rgb, nil
}

type pnmHeader struct {
	magic        byte
	w, h, maxval int
	channels     int
}

func readPNMHeader(br *bufio.Reader) (pnmHeader, error) {
	var magic [2]byte
	if _, err := io.ReadFull(br, magic[:]); err != nil {
		return pnmHeader{}, eofIsUnexpected(err)
	}
	if magic[0] != 'P' || magic[1] < '1' || magic[1] > '6' {
		return pnmHeader{}, errors.New("not a Netpbm file")
	}
	h := pnmHeader{magic: magic[1], channels: 1, maxval: 1}
	if h.magic == '3' || h.magic == '6' {
		h.channels = 3
	}
	var err error
	if h.w, err = readPNMInt(br, false); err != nil {
		return h, fmt.Errorf("width: %w", err)
	}
	if h.h, err = readPNMInt(br, false); err != nil {
		return h, fmt.Errorf("height: %w", err)
	}
	if h.magic != '1' && h.magic != '4' {
		if h.maxval, err = readPNMInt(br, false); err != nil {
			return h, fmt.Errorf("maxval: %w", err)
		}
		if h.maxval < 1 || h.maxval > 65535 {
			return h, fmt.Errorf("maxval %d is not in [1, 65535]", h.maxval)
		}
	}
	if h.w <= 0 || h.h <= 0 {
		return h, fmt.Errorf("invalid size %dx%d", h.w, h.h)
	}
	if h.magic >= '4' {
		// Exactly one whitespace byte separates the header from binary samples
		// (readPNMInt stopped on it without consuming more).
		if _, err := br.ReadByte(); err != nil {
			return h, eofIsUnexpected(err)
		}
	}
	return h, nil
}

// readPNMInt skips whitespace and #-comments and reads a decimal number (at most 9 digits);
// for P1 rasters (single) each digit is one number. It leaves the byte after the number unread.
func readPNMInt(br *bufio.Reader, single bool) (int, error) {
	var c byte
	var err error
	for {
		if c, err = br.ReadByte(); err != nil {
			return 0, eofIsUnexpected(err)
		}
		if c == '#' {
			if _, err := br.ReadString('\n'); err != nil {
				return 0, eofIsUnexpected(err)
			}
			continue
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' {
			break
		}
	}
	if c < '0' || c > '9' {
		return 0, fmt.Errorf("unexpected byte %q", c)
	}
	v := int(c - '0')
	for digits := 1; !single; digits++ {
		c, err := br.ReadByte()
		if err != nil {
			break // end of file right after the last number
		}
		if c < '0' || c > '9' {
			if err := br.UnreadByte(); err != nil {
				return 0, err
			}
			break
		}
		if digits == 9 {
			return 0, errors.New("number too long")
		}
		v = v*10 + int(c-'0')
	}
	return v, nil
}

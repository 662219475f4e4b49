package attach

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

const (
	thumbSide    = 320 // longest side of a thumbnail, in pixels
	thumbSuffix  = ".thumb.jpg"
	thumbQuality = 80
)

var errNoThumb = errs.Field("file", "thumbnail", "this file has no thumbnail", "该文件没有缩略图")

// Thumbnail returns a JPEG whose longest side is at most 320 pixels, made on
// the first request and kept next to the original (<sha256>.thumb.jpg), so
// later requests only open a file. Files that are not JPEG, PNG or GIF images
// are errs.Invalid.
func (s *Store) Thumbnail(ctx context.Context, a Attachment) (io.ReadSeekCloser, string, error) {
	if !thumbnailable(a.ContentType) {
		return nil, "", errNoThumb
	}
	p, err := s.path(a)
	if err != nil {
		return nil, "", err
	}
	tp := p + thumbSuffix
	if f, err := os.Open(tp); err == nil {
		return f, typeJPEG, nil
	}
	// One request makes a given thumbnail; the others wait for it.
	var done chan struct{}
	for done == nil {
		s.mu.Lock()
		ch, busy := s.thumbing[tp]
		if !busy {
			done = make(chan struct{})
			s.thumbing[tp] = done
		}
		s.mu.Unlock()
		if busy {
			select {
			case <-ch:
			case <-ctx.Done():
				return nil, "", ctx.Err()
			}
		}
		if f, err := os.Open(tp); err == nil {
			if done != nil {
				s.thumbDone(tp, done)
			}
			return f, typeJPEG, nil
		}
	}
	err = s.makeThumb(ctx, p, tp)
	s.thumbDone(tp, done)
	if err != nil {
		return nil, "", err
	}
	f, err := os.Open(tp)
	if err != nil {
		return nil, "", err
	}
	return f, typeJPEG, nil
}

func (s *Store) thumbDone(tp string, done chan struct{}) {
	s.mu.Lock()
	delete(s.thumbing, tp)
	s.mu.Unlock()
	close(done)
}

func (s *Store) makeThumb(ctx context.Context, src, dst string) error {
	select {
	case s.decoding <- struct{}{}:
		defer func() { <-s.decoding }()
	case <-ctx.Done():
		return ctx.Err()
	}
	m, orientation, err := s.decodeStored(src)
	if err != nil {
		return err
	}
	b := m.Bounds()
	w, h := fit(b.Dx(), b.Dy(), thumbSide)
	t := orient(shrink(m, w, h), orientation)

	tmp, err := os.CreateTemp(filepath.Dir(dst), ".thumb-*")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := jpeg.Encode(tmp, t, &jpeg.Options{Quality: thumbQuality}); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	s.thumbsMade.Add(1)
	return nil
}

// decodeStored decodes a stored image, checking its size again first (the
// limits may have been lowered since it was stored).
func (s *Store) decodeStored(path string) (image.Image, int, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("attachment file missing: %w", err)
	} else if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	kind := detect(head[:n])
	decodeConfig, decode := png.DecodeConfig, png.Decode
	switch kind {
	case typeJPEG:
		decodeConfig, decode = jpeg.DecodeConfig, jpeg.Decode
	case typeGIF:
		decodeConfig, decode = gif.DecodeConfig, gif.Decode
	case typePNG:
	default:
		return nil, 0, errNoThumb
	}
	section := func() io.Reader { _, _ = f.Seek(0, io.SeekStart); return f }
	cfg, err := decodeConfig(section())
	if err != nil {
		return nil, 0, fmt.Errorf("decode stored image %s: %w", path, err)
	}
	if tooManyPixels(cfg.Width, cfg.Height, s.limits.MaxPixels) {
		return nil, 0, errPixels(cfg.Width, cfg.Height, s.limits.MaxPixels)
	}
	orientation := 1
	if kind == typeJPEG {
		orientation = jpegOrientation(section())
	}
	m, err := decode(section())
	if err != nil {
		return nil, 0, fmt.Errorf("decode stored image %s: %w", path, err)
	}
	return m, orientation, nil
}

// fit scales w×h down (never up) so that its longest side is at most side.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, (h*side+w/2)/w)
	}
	return max(1, (w*side+h/2)/h), side
}

// shrink scales src down to w×h with a box filter: every source pixel adds
// to the one destination pixel it falls in, which averages well for the large
// reductions thumbnails need. Transparency is flattened onto white (JPEG has
// no alpha). It reads src a row at a time, so it is linear in the pixels.
func shrink(src image.Image, w, h int) *image.RGBA {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	col := make([]int, sw)
	for x := range sw {
		col[x] = x * w / sw
	}
	row := make([]uint32, sw*4) // premultiplied 16-bit RGBA of one source row
	acc := make([]uint64, w*4)
	cnt := make([]uint64, w)
	flush := func(dy int) {
		out := dst.Pix[dy*dst.Stride:]
		for x := range w {
			n := max(cnt[x], 1)
			a := acc[x*4+3] / n
			for k := range 3 {
				out[x*4+k] = uint8((acc[x*4+k]/n + 0xffff - a) >> 8) // over white
			}
			out[x*4+3] = 0xff
		}
		clear(acc)
		clear(cnt)
	}
	cur := 0
	for sy := range sh {
		if dy := sy * h / sh; dy != cur {
			flush(cur)
			cur = dy
		}
		readRow(src, b.Min.X, b.Min.Y+sy, row)
		for x := range sw {
			c := col[x] * 4
			acc[c] += uint64(row[x*4])
			acc[c+1] += uint64(row[x*4+1])
			acc[c+2] += uint64(row[x*4+2])
			acc[c+3] += uint64(row[x*4+3])
			cnt[col[x]]++
		}
	}
	flush(cur)
	return dst
}

// readRow fills row with the premultiplied 16-bit RGBA of one row of m,
// directly for the types the decoders return most and through At otherwise.
func readRow(m image.Image, x0, y int, row []uint32) {
	n := len(row) / 4
	switch m := m.(type) {
	case *image.YCbCr:
		for x := range n {
			yi, ci := m.YOffset(x0+x, y), m.COffset(x0+x, y)
			r, g, b := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = uint32(r)*0x101, uint32(g)*0x101, uint32(b)*0x101, 0xffff
		}
	case *image.Gray:
		p := m.Pix[m.PixOffset(x0, y):]
		for x := range n {
			v := uint32(p[x]) * 0x101
			row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = v, v, v, 0xffff
		}
	case *image.RGBA:
		p := m.Pix[m.PixOffset(x0, y):]
		for i := range n * 4 {
			row[i] = uint32(p[i]) * 0x101
		}
	case *image.NRGBA:
		p := m.Pix[m.PixOffset(x0, y):]
		for x := range n {
			a := uint32(p[x*4+3])
			for k := range 3 {
				row[x*4+k] = uint32(p[x*4+k]) * a * 0x101 / 0xff
			}
			row[x*4+3] = a * 0x101
		}
	default:
		for x := range n {
			r, g, b, a := m.At(x0+x, y).RGBA()
			row[x*4], row[x*4+1], row[x*4+2], row[x*4+3] = r, g, b, a
		}
	}
}

// orient turns m as EXIF orientation o (1–8) says it must be shown.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range dh {
		for x := range dw {
			var sx, sy int
			switch o {
			case 2:
				sx, sy = w-1-x, y
			case 3:
				sx, sy = w-1-x, h-1-y
			case 4:
				sx, sy = x, h-1-y
			case 5:
				sx, sy = y, x
			case 6:
				sx, sy = y, h-1-x
			case 7:
				sx, sy = w-1-y, h-1-x
			case 8:
				sx, sy = w-1-y, x
			}
			copy(out.Pix[out.PixOffset(x, y):][:4], m.Pix[m.PixOffset(sx, sy):][:4])
		}
	}
	return out
}

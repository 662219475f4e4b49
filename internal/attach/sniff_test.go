package attach

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"io"
	"testing"

	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

func zipWith(t *testing.T, names ...string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, n := range names {
		w, _ := z.Create(n)
		io.WriteString(w, "<x/>")
	}
	z.Close()
	return b.Bytes()
}

func gifBytes(t testing.TB, w, h int) []byte {
	m := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
	for y := range h {
		for x := range w {
			m.SetColorIndex(x, y, uint8(x+y))
		}
	}
	var b bytes.Buffer
	if err := gif.Encode(&b, m, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSniffTypes(t *testing.T) {
	vp8 := []byte("RIFF\x00\x00\x00\x00WEBPVP8 \x00\x00\x00\x00\x00\x00\x00\x9d\x01\x2a")
	vp8 = binary.LittleEndian.AppendUint16(vp8, 640)
	vp8 = binary.LittleEndian.AppendUint16(vp8, 480)
	vp8x := []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x10\x00\x00\x00\x3f\x1f\x00\xff\x0f\x00") // 8000×4096
	for _, tc := range []struct {
		name        string
		data        []byte
		contentType string
		w, h        int
		rule        string
	}{
		{"a.gif", gifBytes(t, 30, 10), typeGIF, 30, 10, ""},
		{"a.webp", vp8, typeWebP, 640, 480, ""},
		{"a.webp", vp8x, typeWebP, 8000, 4096, ""},
		{"huge.webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x10\x00\x00\x00\xff\xff\x00\xff\xff\x00"), "", 0, 0, "max_pixels"},
		{"odd.webp", []byte("RIFF\x00\x00\x00\x00WEBPVP9 \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), "", 0, 0, "corrupt"},
		{"a.png", pngBytes(t, 7, 5), typePNG, 7, 5, ""},
		{"named.pdf", pngBytes(t, 7, 5), typePNG, 7, 5, ""}, // the bytes decide
		{"表.xlsx", zipWith(t, "[Content_Types].xml", "xl/workbook.xml"), typeXLSX, 0, 0, ""},
		{"s.pptx", zipWith(t, "[Content_Types].xml", "ppt/presentation.xml"), typePPTX, 0, 0, ""},
		{"s.xlsx", zipWith(t, "[Content_Types].xml", "word/document.xml"), "", 0, 0, "type"},
		{"s.docx", zipWith(t, "word/document.xml"), "", 0, 0, "type"},
		{"s.xlsx", zipWith(t, "[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"), "", 0, 0, "type"},
		{"a.jpg", zipWith(t, "x"), "", 0, 0, "content_mismatch"},
		{"a.gif", []byte("GIF89a\xff\xff\xff\xff"), "", 0, 0, "corrupt"},
		{"a.exe", []byte("MZ\x90\x00"), "", 0, 0, "type"},
	} {
		in, err := sniff(bytes.NewReader(tc.data), int64(len(tc.data)), tc.name, DefaultMaxPixels)
		if tc.rule != "" {
			wantField(t, err, errs.Invalid, "file", tc.rule)
			continue
		}
		if err != nil || in.ContentType != tc.contentType || in.Width != tc.w || in.Height != tc.h {
			t.Errorf("%s: %+v %v", tc.name, in, err)
		}
	}
}

func TestOrient(t *testing.T) {
	m := image.NewRGBA(image.Rect(0, 0, 2, 3))
	m.SetRGBA(0, 0, color.RGBA{255, 0, 0, 255}) // red top-left
	for o, want := range map[int]image.Point{
		1: {0, 0}, 2: {1, 0}, 3: {1, 2}, 4: {0, 2},
		5: {0, 0}, 6: {2, 0}, 7: {2, 1}, 8: {0, 1},
	} {
		r := orient(m, o)
		if o >= 5 && (r.Rect.Dx() != 3 || r.Rect.Dy() != 2) {
			t.Fatalf("%d: %v", o, r.Rect)
		}
		if r.RGBAAt(want.X, want.Y).R != 255 {
			t.Errorf("orientation %d: red not at %v", o, want)
		}
	}
}

func TestGIFThumbnailAndManyCases(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, Limits{})
		a, err := f.store.Save(ctx, d, f.upload("动图.gif", bytes.NewReader(gifBytes(t, 640, 200))))
		if err != nil {
			t.Fatal(err)
		}
		r, _, err := f.store.Thumbnail(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		cfg, _, err := image.DecodeConfig(r)
		r.Close()
		if err != nil || cfg.Width != 320 || cfg.Height != 100 {
			t.Fatalf("%+v %v", cfg, err)
		}
		ids := make([]int64, 1200) // more than one IN list
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		ids[1100] = f.caseID
		got, err := f.store.ListByCase(ctx, ids...)
		if err != nil || len(got) != 1 || len(got[f.caseID]) != 1 || got[f.caseID][0].ID != a.ID {
			t.Fatalf("%v %v", got, err)
		}
		if got, err := f.store.ListByCase(ctx); err != nil || len(got) != 0 {
			t.Fatalf("%v %v", got, err)
		}
	})
}

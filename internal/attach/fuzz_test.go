package attach

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

// FuzzSniff feeds arbitrary bytes and names to the type check and the name
// cleaner: they must never panic, must refuse only with field errors on
// "file", and must accept only the allowed types with sane image sizes.
// The seed corpus is in testdata/fuzz/FuzzSniff.
func FuzzSniff(f *testing.F) {
	f.Add(pngBytes(f, 3, 2), "a.png")
	f.Add(withOrientation(jpegBytes(f, 5, 3), 6), "现场照片.jpg")
	f.Add(docxBytes(f), "a.docx")
	f.Add(webpBytes(9, 7), "a.webp")
	const maxPixels = 1 << 20 // keeps each decode small
	allowed := map[string]bool{typeJPEG: true, typePNG: true, typeGIF: true, typeWebP: true, typePDF: true, typeDOCX: true, typeXLSX: true, typePPTX: true}
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		clean := CleanFilename(name)
		if clean == "" || !utf8.ValidString(clean) || utf8.RuneCountInString(clean) > maxNameRunes || strings.ContainsAny(clean, "/\\\x00") {
			t.Fatalf("CleanFilename(%q) = %q", name, clean)
		}
		in, err := sniff(bytes.NewReader(data), int64(len(data)), clean, maxPixels)
		if err != nil {
			var e *errs.Error
			if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "file" {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		if !allowed[in.ContentType] {
			t.Fatalf("accepted %q", in.ContentType)
		}
		if strings.HasPrefix(in.ContentType, "image/") != (in.Width > 0) || int64(in.Width)*int64(in.Height) > maxPixels {
			t.Fatalf("%+v", in)
		}
	})
}

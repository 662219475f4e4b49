package attach

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"path/filepath"
	"strings"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Content types accepted, decided by the bytes and never by the name or the
// client's Content-Type.
const (
	typeJPEG = "image/jpeg"
	typePNG  = "image/png"
	typeGIF  = "image/gif"
	typeWebP = "image/webp"
	typePDF  = "application/pdf"
	typeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	typePPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
)

// info is what sniff learns about a file.
type info struct {
	ContentType string
	// Width and Height are the displayed size of an image (after its EXIF
	// orientation), zero for other files.
	Width, Height int
	Orientation   int // EXIF orientation 1–8 for JPEG, else 1
}

// thumbnailable reports whether we can decode the type to make a thumbnail.
func thumbnailable(contentType string) bool {
	return contentType == typeJPEG || contentType == typePNG || contentType == typeGIF
}

// imageExts are the names that promise an image.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".jpe": true, ".jfif": true, ".png": true, ".gif": true, ".webp": true}

// officeTypes maps the Office Open XML extensions to their type and the
// folder every such package has.
var officeTypes = map[string]struct{ contentType, folder string }{
	".docx": {typeDOCX, "word/"},
	".xlsx": {typeXLSX, "xl/"},
	".pptx": {typePPTX, "ppt/"},
}

var (
	errType = errs.Field("file", "type",
		"the file must be a JPEG, PNG, GIF or WebP image, a PDF, or a Word/Excel/PowerPoint document (.docx, .xlsx, .pptx)",
		"文件必须是 JPEG、PNG、GIF、WebP 图片，PDF，或 Word/Excel/PowerPoint 文档（.docx、.xlsx、.pptx）")
	errMismatch = errs.Field("file", "content_mismatch",
		"the file is named like an image but is not one",
		"文件名是图片格式，但内容不是图片")
	errEmpty = errs.Field("file", "empty", "the file is empty", "文件为空")
)

func errCorrupt(what string) error {
	zh := map[string]string{"image": "图片", "document": "文档"}[what]
	return errs.Field("file", "corrupt",
		"the "+what+" is damaged or incomplete", zh+"文件已损坏或不完整")
}

func errPixels(w, h, max int) error {
	return errs.Field("file", "max_pixels",
		fmt.Sprintf("the image is %d×%d pixels; at most %d megapixels are accepted", w, h, max/1_000_000),
		fmt.Sprintf("图片为 %d×%d 像素，最多允许 %d 百万像素", w, h, max/1_000_000))
}

// detect names the type the leading bytes announce, or "" for anything
// else; zip archives come back as "zip" for the Office check.
func detect(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return typeJPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return typePNG
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return typeGIF
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return typeWebP
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return typePDF
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "zip"
	}
	return ""
}

// sniff decides whether the size bytes of r, uploaded under name, are a file
// we keep, and what it is. Images are decoded whole (so a truncated photo is
// refused now, not when someone opens it), but only after their declared size
// has been checked against maxPixels, so a decompression bomb never gets its
// pixels allocated. Every refusal is an *errs.Error on field "file".
func sniff(r io.ReaderAt, size int64, name string, maxPixels int) (info, error) {
	if size <= 0 {
		return info{}, errEmpty
	}
	head := make([]byte, min(size, 512))
	if _, err := r.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		return info{}, err
	}
	ext := strings.ToLower(filepath.Ext(name))
	kind := detect(head)
	isImage := strings.HasPrefix(kind, "image/")
	if imageExts[ext] && !isImage {
		return info{}, errMismatch
	}
	sr := func() *io.SectionReader { return io.NewSectionReader(r, 0, size) }
	switch kind {
	case typeJPEG, typePNG, typeGIF:
		return sniffImage(sr, kind, maxPixels)
	case typeWebP:
		w, h, ok := webpSize(head)
		if !ok {
			return info{}, errCorrupt("image")
		}
		if tooManyPixels(w, h, maxPixels) {
			return info{}, errPixels(w, h, maxPixels)
		}
		return info{ContentType: typeWebP, Width: w, Height: h, Orientation: 1}, nil
	case typePDF:
		return info{ContentType: typePDF}, nil
	case "zip":
		return sniffOffice(r, size, ext)
	}
	return info{}, errType
}

func tooManyPixels(w, h, maxPixels int) bool {
	return int64(w)*int64(h) > int64(maxPixels)
}

func sniffImage(sr func() *io.SectionReader, kind string, maxPixels int) (info, error) {
	decodeConfig, decode := png.DecodeConfig, png.Decode
	switch kind {
	case typeJPEG:
		decodeConfig, decode = jpeg.DecodeConfig, jpeg.Decode
	case typeGIF:
		decodeConfig, decode = gif.DecodeConfig, gif.Decode // gif.Decode reads the first frame only
	}
	cfg, err := decodeConfig(sr())
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return info{}, errCorrupt("image")
	}
	if tooManyPixels(cfg.Width, cfg.Height, maxPixels) {
		return info{}, errPixels(cfg.Width, cfg.Height, maxPixels)
	}
	if _, err := decode(sr()); err != nil {
		return info{}, errCorrupt("image")
	}
	in := info{ContentType: kind, Width: cfg.Width, Height: cfg.Height, Orientation: 1}
	if kind == typeJPEG {
		in.Orientation = jpegOrientation(sr())
		if in.Orientation >= 5 { // rotated a quarter turn: shown with sides swapped
			in.Width, in.Height = in.Height, in.Width
		}
	}
	return in, nil
}

// sniffOffice accepts a zip archive only when its name and its parts say it
// is an Office Open XML document without macros.
func sniffOffice(r io.ReaderAt, size int64, ext string) (info, error) {
	office, ok := officeTypes[ext]
	if !ok {
		return info{}, errType
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return info{}, errCorrupt("document")
	}
	if zr == nil {
		return info{}, errType
	}
	var types, body bool
	for _, f := range zr.File {
		switch {
		case f.Name == "[Content_Types].xml":
			types = true
		case strings.HasPrefix(f.Name, office.folder):
			body = true
		}
		if strings.HasSuffix(strings.ToLower(f.Name), "vbaproject.bin") {
			return info{}, errType // macro-enabled, whatever its name says
		}
	}
	if !types || !body || err != nil {
		return info{}, errType
	}
	return info{ContentType: office.contentType}, nil
}

// webpSize reads the canvas size from the first chunk of a WebP file
// (lossy VP8, lossless VP8L, or extended VP8X).
func webpSize(b []byte) (w, h int, ok bool) {
	if len(b) < 30 {
		return 0, 0, false
	}
	switch string(b[12:16]) {
	case "VP8 ":
		if b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a {
			return 0, 0, false
		}
		w = int(binary.LittleEndian.Uint16(b[26:]) & 0x3fff)
		h = int(binary.LittleEndian.Uint16(b[28:]) & 0x3fff)
	case "VP8L":
		if b[20] != 0x2f {
			return 0, 0, false
		}
		v := binary.LittleEndian.Uint32(b[21:])
		w = int(v&0x3fff) + 1
		h = int(v>>14&0x3fff) + 1
	case "VP8X":
		w = int(uint32(b[24])|uint32(b[25])<<8|uint32(b[26])<<16) + 1
		h = int(uint32(b[27])|uint32(b[28])<<8|uint32(b[29])<<16) + 1
	default:
		return 0, 0, false
	}
	return w, h, w > 0 && h > 0
}

// jpegOrientation returns the EXIF orientation (1–8) of a JPEG, 1 when it
// has none or it cannot be read. Phones store photos as the sensor saw them
// and record the rotation here; browsers apply it, so thumbnails must too.
func jpegOrientation(r io.Reader) int {
	var buf [4]byte
	if _, err := io.ReadFull(r, buf[:2]); err != nil || buf[0] != 0xff || buf[1] != 0xd8 {
		return 1
	}
	for range 32 { // the EXIF segment comes first or nearly so
		if _, err := io.ReadFull(r, buf[:4]); err != nil || buf[0] != 0xff {
			return 1
		}
		marker, n := buf[1], int(binary.BigEndian.Uint16(buf[2:]))-2
		if marker == 0xda || marker == 0xd9 || n < 0 { // start of scan, end of image
			return 1
		}
		if marker != 0xe1 {
			if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
				return 1
			}
			continue
		}
		seg := make([]byte, n)
		if _, err := io.ReadFull(r, seg); err != nil {
			return 1
		}
		if o, ok := exifOrientation(seg); ok {
			return o
		}
	}
	return 1
}

// exifOrientation reads tag 0x0112 from IFD0 of an APP1 "Exif" segment.
func exifOrientation(seg []byte) (int, bool) {
	if !bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
		return 0, false
	}
	t := seg[6:]
	if len(t) < 8 {
		return 0, false
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, false
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 0, false
	}
	count := int64(bo.Uint16(t[off:]))
	for i := range count {
		e := off + 2 + i*12
		if e+12 > int64(len(t)) {
			return 0, false
		}
		if bo.Uint16(t[e:]) == 0x0112 && bo.Uint16(t[e+2:]) == 3 { // SHORT
			if o := int(bo.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o, true
			}
			return 0, false
		}
	}
	return 0, false
}

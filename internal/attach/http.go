package attach

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/tongxin/tongxin/internal/platform/errs"
)

// formSlack is what a multipart request may carry besides the file itself:
// part headers, boundaries and a few small form fields.
const formSlack = 1 << 20

// ReadUpload finds the file part named field in a multipart/form-data request
// and returns its file name and a reader over its bytes, streaming: nothing
// but the current part header is held in memory. Parts before it are skipped
// (and count toward the limit); parts after it are never read, so the caller
// should read the body before anything else of the request. Reading more than
// maxBytes from body fails with errs.TooLarge (rule "max_size").
func ReadUpload(w http.ResponseWriter, r *http.Request, field string, maxBytes int64) (filename string, body io.Reader, err error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", nil, errs.Field("Content-Type", "multipart",
			"the request must be multipart/form-data with the file in field "+field,
			"请求必须是 multipart/form-data，文件放在字段 "+field+" 中")
	}
	if r.ContentLength > maxBytes+formSlack {
		return "", nil, tooLarge(field, maxBytes)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBytes+formSlack)
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF { // the closing boundary; a body cut short wraps io.EOF instead
			return "", nil, errs.Field(field, "required", "the request has no file in field "+field, "请求中没有字段 "+field+" 的文件")
		}
		if err != nil {
			if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
				return "", nil, tooLarge(field, maxBytes)
			}
			return "", nil, errs.Field("body", "multipart", "the multipart body is malformed", "multipart 请求体格式错误")
		}
		if part.FormName() == field {
			return part.FileName(), &partReader{part: part, left: maxBytes, field: field, limit: maxBytes}, nil
		}
		part.Close()
	}
}

// partReader turns the request limits into user-facing errors.
type partReader struct {
	part        *multipart.Part
	left, limit int64
	field       string
}

func (p *partReader) Read(b []byte) (int, error) {
	if p.left < 0 {
		return 0, tooLarge(p.field, p.limit)
	}
	if int64(len(b)) > p.left+1 {
		b = b[:p.left+1]
	}
	n, err := p.part.Read(b)
	p.left -= int64(n)
	if p.left < 0 {
		return n, tooLarge(p.field, p.limit)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return n, tooLarge(p.field, p.limit)
		}
		return n, errs.Field("body", "multipart", "the multipart body is malformed or cut short", "multipart 请求体格式错误或不完整")
	}
	return n, err
}

// Serve writes the file of a: its stored (sniffed) content type, shown inline
// when it is an image or a PDF and downloaded otherwise, under its original
// name (RFC 5987 filename* so that Chinese names survive), with range and
// conditional requests handled by http.ServeContent. Rows never change, so
// the SHA-256 is the ETag.
func Serve(w http.ResponseWriter, r *http.Request, a Attachment, body io.ReadSeeker) {
	disposition := "attachment"
	if strings.HasPrefix(a.ContentType, "image/") || a.ContentType == typePDF {
		disposition = "inline"
	}
	serve(w, r, a, a.ContentType, disposition, a.Filename, body)
}

// ServeThumbnail writes a thumbnail from Store.Thumbnail.
func ServeThumbnail(w http.ResponseWriter, r *http.Request, a Attachment, body io.ReadSeeker) {
	name := a.Filename
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	serve(w, r, a, typeJPEG, "inline", name+".thumb.jpg", body)
}

func serve(w http.ResponseWriter, r *http.Request, a Attachment, contentType, disposition, name string, body io.ReadSeeker) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", ContentDisposition(disposition, name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=3600")
	if contentType != typePDF { // a PDF viewer needs scripts; nothing else we serve does
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	}
	if a.SHA256 != "" {
		h.Set("ETag", `"`+a.SHA256+`"`)
	}
	http.ServeContent(w, r, "", a.CreatedAt, body)
}

// ContentDisposition builds the header value with an ASCII fallback name
// (non-ASCII and quoting characters become "_") and, when the name is not
// plain ASCII, the exact name as RFC 5987 filename*=UTF-8”….
func ContentDisposition(disposition, name string) string {
	var fallback strings.Builder
	ascii := true
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '%' || r == ';':
			fallback.WriteByte('_')
			ascii = false
		case r >= 0x80:
			fallback.WriteByte('_')
			ascii = false
		default:
			fallback.WriteRune(r)
		}
	}
	v := disposition + `; filename="` + fallback.String() + `"`
	if !ascii {
		v += "; filename*=UTF-8''" + rfc5987(name)
	}
	return v
}

// rfc5987 percent-encodes everything but RFC 5987's attr-char.
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			b.WriteByte(c)
			continue
		}
		const hexDigits = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

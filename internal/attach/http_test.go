package attach

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// multipartRequest streams a form through a pipe (no Content-Length), with
// a text field before the file part when note is set.
func multipartRequest(t *testing.T, field, filename, note string, file io.Reader) *http.Request {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		if note != "" {
			mw.WriteField("note", note)
		}
		if file != nil {
			fw, err := mw.CreateFormFile(field, filename)
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			if _, err := io.Copy(fw, file); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	t.Cleanup(func() { pr.Close() }) // unblocks the writer when the reader stops early
	r := httptest.NewRequest(http.MethodPost, "/api/v1/cases/1/attachments", pr)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestReadUploadSave(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Limits{})
		p := jpegBytes(t, 300, 200)
		r := multipartRequest(t, "file", "井盖/现场照片.jpg", "井盖缺失", bytes.NewReader(p))
		name, body, err := ReadUpload(httptest.NewRecorder(), r, "file", f.store.Limits().MaxBytes)
		if err != nil {
			t.Fatal(err)
		}
		a, err := f.store.Save(context.Background(), d, f.upload(name, body))
		if err != nil {
			t.Fatal(err)
		}
		if a.Filename != "现场照片.jpg" || a.Size != int64(len(p)) || a.ContentType != "image/jpeg" {
			t.Fatalf("%+v", a)
		}

		// Too big while streaming: the store sees ReadUpload's error.
		r = multipartRequest(t, "file", "big.jpg", "", &stream{n: 5 << 20})
		name, body, err = ReadUpload(httptest.NewRecorder(), r, "file", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.store.Save(context.Background(), d, f.upload(name, body))
		wantField(t, err, errs.TooLarge, "file", "max_size")
		if fs := files(t, f.dir); len(fs) != 1 || countRows(t, d) != 1 {
			t.Fatalf("left behind: %v, %d rows", fs, countRows(t, d))
		}
	})
}

func TestReadUploadErrors(t *testing.T) {
	const limit = 1 << 20
	read := func(r *http.Request) error {
		_, body, err := ReadUpload(httptest.NewRecorder(), r, "file", limit)
		if err != nil {
			return err
		}
		_, err = io.Copy(io.Discard, body)
		return err
	}

	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"file":"x"}`))
	r.Header.Set("Content-Type", "application/json")
	wantField(t, read(r), errs.Invalid, "Content-Type", "multipart")

	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`x`))
	wantField(t, read(r), errs.Invalid, "Content-Type", "multipart")

	wantField(t, read(multipartRequest(t, "photo", "a.jpg", "note", strings.NewReader("x"))), errs.Invalid, "file", "required")
	wantField(t, read(multipartRequest(t, "", "", "only a note", nil)), errs.Invalid, "file", "required")

	// Streamed past the limit: the error comes from reading the body.
	r = multipartRequest(t, "file", "a.jpg", "", &stream{n: limit + 1})
	wantField(t, read(r), errs.TooLarge, "file", "max_size")
	// Exactly the limit passes.
	if err := read(multipartRequest(t, "file", "a.jpg", "", &stream{n: limit})); err != nil {
		t.Fatal(err)
	}
	// A declared Content-Length far past the limit is refused before reading.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "a.jpg")
	fw.Write(make([]byte, 3*limit))
	mw.Close()
	r = httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(buf.Bytes()))
	r.Header.Set("Content-Type", mw.FormDataContentType())
	wantField(t, read(r), errs.TooLarge, "file", "max_size")
	// Other fields before the file larger than the slack.
	r = multipartRequest(t, "file", "a.jpg", strings.Repeat("x", limit+formSlack), strings.NewReader("x"))
	wantField(t, read(r), errs.TooLarge, "file", "max_size")

	// Cut short.
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\nabc"))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	wantField(t, read(r), errs.Invalid, "body", "multipart")
	r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader("garbage"))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	wantField(t, read(r), errs.Invalid, "body", "multipart")
}

func TestServe(t *testing.T) {
	data := jpegBytes(t, 40, 30)
	a := Attachment{ID: 7, Filename: "现场照片.jpg", ContentType: "image/jpeg", Size: int64(len(data)),
		SHA256: strings.Repeat("ab", 32), CreatedAt: t0}
	w := httptest.NewRecorder()
	Serve(w, httptest.NewRequest(http.MethodGet, "/api/v1/attachments/7", nil), a, bytes.NewReader(data))
	h := w.Result().Header
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), data) {
		t.Fatalf("%d, %d bytes", w.Code, w.Body.Len())
	}
	for k, want := range map[string]string{
		"Content-Type":           "image/jpeg",
		"Content-Disposition":    `inline; filename="____.jpg"; filename*=UTF-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.jpg`,
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "private, max-age=3600",
		"Etag":                   `"` + a.SHA256 + `"`,
		"Last-Modified":          t0.Format(http.TimeFormat),
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}

	// Conditional and range requests come from http.ServeContent.
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("If-None-Match", `"`+a.SHA256+`"`)
	w = httptest.NewRecorder()
	Serve(w, r, a, bytes.NewReader(data))
	if w.Code != http.StatusNotModified {
		t.Fatalf("conditional: %d", w.Code)
	}
	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Range", "bytes=0-9")
	w = httptest.NewRecorder()
	Serve(w, r, a, bytes.NewReader(data))
	if w.Code != http.StatusPartialContent || w.Body.Len() != 10 {
		t.Fatalf("range: %d, %d bytes", w.Code, w.Body.Len())
	}

	for _, tc := range []struct{ name, ct, want string }{
		{"report.pdf", typePDF, `inline; filename="report.pdf"`},
		{"台账 2024.xlsx", typeXLSX, `attachment; filename="__ 2024.xlsx"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6%202024.xlsx`},
		{`a"b;c%.docx`, typeDOCX, `attachment; filename="a_b_c_.docx"; filename*=UTF-8''a%22b%3Bc%25.docx`},
	} {
		w := httptest.NewRecorder()
		Serve(w, httptest.NewRequest(http.MethodGet, "/", nil), Attachment{Filename: tc.name, ContentType: tc.ct, CreatedAt: time.Now()}, strings.NewReader("x"))
		if got := w.Header().Get("Content-Disposition"); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		if got := w.Header().Get("Content-Type"); got != tc.ct {
			t.Errorf("%s: type %q", tc.name, got)
		}
	}

	w = httptest.NewRecorder()
	ServeThumbnail(w, httptest.NewRequest(http.MethodGet, "/", nil), a, bytes.NewReader(data))
	if got := w.Header().Get("Content-Disposition"); !strings.Contains(got, "%E7%85%A7%E7%89%87.thumb.jpg") || w.Header().Get("Content-Type") != "image/jpeg" {
		t.Fatalf("thumbnail disposition %q", got)
	}
}

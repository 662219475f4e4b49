package attach

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

var t0 = time.Date(2025, 3, 1, 2, 3, 4, 5_000_000, time.UTC)

// fixture is a case (with its area, category and a user) to attach files to.
type fixture struct {
	store  *Store
	dir    string
	caseID int64
	userID int64
	area   string
}

func newFixture(t *testing.T, d *db.DB, l Limits) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{dir: filepath.Join(t.TempDir(), "attachments"), area: "110101001001"}
	err := d.InTx(ctx, func(tx *db.Tx) error {
		ms := db.Millis(t0)
		if _, err := tx.ExecContext(ctx, `INSERT INTO areas (code, level, name, valid_from, updated_at) VALUES (?, 'grid', '一网格', ?, ?)`, f.area, ms, ms); err != nil {
			return err
		}
		var cat int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO case_categories (code, name, default_level, accept_minutes, resolve_minutes, sla_clock, updated_at)
			VALUES ('road', '道路破损', 'grid', 60, 1440, 'calendar', ?) RETURNING id`, ms).Scan(&cat); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO users (username, display_name, password_hash, created_at) VALUES ('wang', '王网格员', 'x', ?) RETURNING id`, ms).Scan(&f.userID); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO cases (token, area_code, category_id, title, state, level, max_level, channel, reported_at, updated_at)
			VALUES ('tok1', ?, ?, '井盖缺失', 'reported', 'grid', 'grid', 'app', ?, ?) RETURNING id`, f.area, cat, ms, ms).Scan(&f.caseID)
	})
	if err != nil {
		t.Fatal(err)
	}
	f.store = NewStore(d, f.dir, clock.NewFake(t0), l)
	return f
}

func (f fixture) upload(name string, body io.Reader) Upload {
	return Upload{CaseID: f.caseID, AreaCode: f.area, UploadedBy: f.userID, Filename: name, Body: body}
}

// files lists the regular files under dir, relative.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

func countRows(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM attachments`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// gradient is a test picture with some structure, so JPEG has work to do.
func gradient(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	return m
}

func pngBytes(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, gradient(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, gradient(w, h), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withOrientation inserts an EXIF APP1 segment carrying orientation o.
func withOrientation(j []byte, o uint16) []byte {
	tiff := []byte("II*\x00\x08\x00\x00\x00\x01\x00")          // little-endian, IFD0 at 8, one entry
	tiff = append(tiff, 0x12, 0x01, 0x03, 0x00, 1, 0, 0, 0)    // tag 0x0112, SHORT, count 1
	tiff = append(tiff, byte(o), byte(o>>8), 0, 0, 0, 0, 0, 0) // value, next IFD 0
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := append([]byte{0xff, 0xd8, 0xff, 0xe1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}, seg...)
	return append(out, j[2:]...)
}

// hugePNG declares w×h pixels in a valid IHDR (correct CRC) and carries no
// pixel data at all.
func hugePNG(w, h uint32) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	chunk := func(typ string, data []byte) []byte {
		c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		c = append(c, typ...)
		c = append(c, data...)
		return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	out := []byte("\x89PNG\r\n\x1a\n")
	out = append(out, chunk("IHDR", ihdr)...)
	out = append(out, chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, chunk("IEND", nil)...)
}

func docxBytes(t testing.TB, extra ...string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, name := range append([]string{"[Content_Types].xml", "_rels/.rels", "word/document.xml"}, extra...) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, "<x/>")
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func wantField(t *testing.T, err error, kind errs.Kind, field, rule string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) {
		t.Fatalf("want %s %s/%s, got %v", kind, field, rule, err)
	}
	if e.Kind != kind || len(e.Fields) == 0 || e.Fields[0].Field != field || e.Fields[0].Rule != rule {
		t.Fatalf("want %s %s/%s, got %s %+v", kind, field, rule, e.Kind, e.Fields)
	}
	if e.Fields[0].Detail == "" || e.Fields[0].DetailZH == "" {
		t.Fatalf("field error without both messages: %+v", e.Fields[0])
	}
}

func TestSaveImages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, Limits{})
		for _, tc := range []struct {
			name, contentType string
			data              []byte
		}{
			{"现场照片.png", "image/png", pngBytes(t, 640, 480)},
			{"IMG_0001.JPG", "image/jpeg", jpegBytes(t, 1000, 500)},
		} {
			a, err := f.store.Save(ctx, d, f.upload("C:\\Users\\wang\\"+tc.name, bytes.NewReader(tc.data)))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tc.data)
			if a.ID == 0 || a.Filename != tc.name || a.ContentType != tc.contentType || a.Size != int64(len(tc.data)) ||
				a.SHA256 != hex.EncodeToString(sum[:]) || a.Width == nil || a.Height == nil || !a.CreatedAt.Equal(t0.Truncate(time.Millisecond)) {
				t.Fatalf("saved %+v", a)
			}
			if a.URL != "/api/v1/attachments/"+itoa(a.ID) || a.ThumbnailURL != a.URL+"/thumbnail" {
				t.Fatalf("urls %q %q", a.URL, a.ThumbnailURL)
			}
			if _, err := os.Stat(filepath.Join(f.dir, a.SHA256[:2], a.SHA256[2:4], a.SHA256)); err != nil {
				t.Fatal("not content-addressed:", err)
			}
			got, err := f.store.Get(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if *got.Width != *a.Width || *got.Height != *a.Height || got.SHA256 != a.SHA256 || *got.UploadedBy != f.userID || !got.CreatedAt.Equal(a.CreatedAt) || got.URL != a.URL {
				t.Fatalf("get %+v, saved %+v", got, a)
			}
			r, err := f.store.Open(got)
			if err != nil {
				t.Fatal(err)
			}
			back, _ := io.ReadAll(r)
			r.Close()
			if !bytes.Equal(back, tc.data) {
				t.Fatal("bytes differ after the round trip")
			}
		}
		list, err := f.store.ListByCase(ctx, f.caseID, f.caseID, 424242)
		if err != nil {
			t.Fatal(err)
		}
		as := list[f.caseID]
		if len(list) != 1 || len(as) != 2 || *as[0].Width != 640 || *as[0].Height != 480 || *as[1].Width != 1000 || *as[1].Height != 500 || as[0].ID >= as[1].ID {
			t.Fatalf("list %+v", list)
		}
		if _, err := f.store.Get(ctx, 999); !errs.Is(err, errs.NotFound) {
			t.Fatalf("missing attachment: %v", err)
		}

		// The same bytes again: a second row, one file.
		if _, err := f.store.Save(ctx, d, f.upload("again.png", bytes.NewReader(pngBytes(t, 640, 480)))); err != nil {
			t.Fatal(err)
		}
		if n := len(files(t, f.dir)); n != 2 || countRows(t, d) != 3 {
			t.Fatalf("%d files, %d rows", n, countRows(t, d))
		}
	})
}

func TestSaveOtherTypes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, Limits{})
		event := int64(0)
		for _, tc := range []struct {
			name, contentType string
			data              []byte
			width             int
		}{
			{"整改报告.pdf", typePDF, []byte("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0},
			{"台账.docx", typeDOCX, docxBytes(t), 0},
			{"wx_camera.jpg", typeWebP, webpBytes(100, 50), 100}, // WeChat names WebP .jpg: it is an image, kept as what it is
		} {
			a, err := f.store.Save(ctx, d, f.upload(tc.name, bytes.NewReader(tc.data)))
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if a.ContentType != tc.contentType || a.ThumbnailURL != "" {
				t.Fatalf("%s: %+v", tc.name, a)
			}
			if (tc.width == 0) != (a.Width == nil) || (a.Width != nil && *a.Width != tc.width) {
				t.Fatalf("%s: width %v", tc.name, a.Width)
			}
			if _, _, err := f.store.Thumbnail(ctx, a); !errs.Is(err, errs.Invalid) {
				t.Fatalf("%s: thumbnail %v", tc.name, err)
			}
			event = a.ID
		}
		// An attachment on a timeline entry.
		var ev int64
		if err := d.InTx(ctx, func(tx *db.Tx) error {
			err := tx.QueryRowContext(ctx, `INSERT INTO case_events (case_id, area_code, at, actor_name, action, to_state, level) VALUES (?, ?, ?, 'x', 'report', 'reported', 'grid') RETURNING id`,
				f.caseID, f.area, db.Millis(t0)).Scan(&ev)
			if err != nil {
				return err
			}
			u := f.upload("", bytes.NewReader(pngBytes(t, 4, 4)))
			u.EventID, u.UploadedBy = &ev, 0
			a, err := f.store.Save(ctx, tx, u)
			if err == nil && (a.Filename != "file" || a.UploadedBy != nil) {
				t.Errorf("%+v", a)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		list, err := f.store.ListByCase(ctx, f.caseID)
		if err != nil {
			t.Fatal(err)
		}
		last := list[f.caseID][len(list[f.caseID])-1]
		if last.ID <= event || last.EventID == nil || *last.EventID != ev || last.UploadedBy != nil {
			t.Fatalf("%+v", last)
		}
	})
}

func TestSaveRefusals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, Limits{})
		j := jpegBytes(t, 400, 300)
		for _, tc := range []struct {
			name string
			data []byte
			rule string
		}{
			{"photo.jpg", []byte("this is not a photo, just some text\n"), "content_mismatch"},
			{"photo.PNG", []byte("%PDF-1.4 a PDF in disguise"), "content_mismatch"},
			{"tool", []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00"), "type"},
			{"data.zip", docxBytes(t), "type"},
			{"notes.docx", []byte("PK\x03\x04 not really a zip"), "corrupt"},
			{"macro.docx", docxBytes(t, "word/vbaProject.bin"), "type"},
			{"page.html", []byte("<!DOCTYPE html><script>alert(1)</script>"), "type"},
			{"vector.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "type"},
			{"cut.jpg", j[:len(j)/2], "corrupt"},
			{"bomb.png", hugePNG(20000, 20000), "max_pixels"},
			{"empty.jpg", nil, "empty"},
		} {
			_, err := f.store.Save(ctx, d, f.upload(tc.name, bytes.NewReader(tc.data)))
			wantField(t, err, errs.Invalid, "file", tc.rule)
		}
		if fs := files(t, f.dir); len(fs) != 0 || countRows(t, d) != 0 {
			t.Fatalf("left behind: %v, %d rows", fs, countRows(t, d))
		}
	})
}

// stream yields n bytes without holding them, counting what was read.
type stream struct{ n, read int64 }

func (s *stream) Read(p []byte) (int, error) {
	if s.read >= s.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.n-s.read)]
	for i := range p {
		p[i] = 'x'
	}
	s.read += int64(len(p))
	return len(p), nil
}

func TestSaveTooLarge(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, Limits{})
		body := &stream{n: 50 << 20}
		_, err := f.store.Save(context.Background(), d, f.upload("big.jpg", body))
		wantField(t, err, errs.TooLarge, "file", "max_size")
		if body.read > DefaultMaxBytes+1 {
			t.Fatalf("read %d bytes of a %d-byte limit", body.read, DefaultMaxBytes)
		}
		if fs := files(t, f.dir); len(fs) != 0 || countRows(t, d) != 0 {
			t.Fatalf("left behind: %v, %d rows", fs, countRows(t, d))
		}
		// Exactly at the limit is fine.
		p := pngBytes(t, 2, 2)
		exact := NewStore(d, f.dir, clock.NewFake(t0), Limits{MaxBytes: int64(len(p))})
		if _, err := exact.Save(context.Background(), d, f.upload("a.png", bytes.NewReader(p))); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSaveInsertFails(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, Limits{})
		u := f.upload("a.png", bytes.NewReader(pngBytes(t, 8, 8)))
		u.CaseID = 987654 // no such case: the foreign key refuses the row
		if _, err := f.store.Save(ctx, d, u); err == nil {
			t.Fatal("saved against a missing case")
		}
		if fs := files(t, f.dir); len(fs) != 0 {
			t.Fatalf("left behind: %v", fs)
		}
		// A file an earlier row uses stays when a later identical upload fails.
		if _, err := f.store.Save(ctx, d, f.upload("a.png", bytes.NewReader(pngBytes(t, 8, 8)))); err != nil {
			t.Fatal(err)
		}
		u.Body = bytes.NewReader(pngBytes(t, 8, 8))
		if _, err := f.store.Save(ctx, d, u); err == nil {
			t.Fatal("saved against a missing case")
		}
		if fs := files(t, f.dir); len(fs) != 1 {
			t.Fatalf("files: %v", fs)
		}
	})
}

func TestRollbackAndSweep(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, Limits{})
		kept, err := f.store.Save(ctx, d, f.upload("kept.png", bytes.NewReader(pngBytes(t, 500, 400))))
		if err != nil {
			t.Fatal(err)
		}
		if r, _, err := f.store.Thumbnail(ctx, kept); err != nil {
			t.Fatal(err)
		} else {
			r.Close()
		}
		rollback := errors.New("rollback")
		err = d.InTx(ctx, func(tx *db.Tx) error {
			if _, err := f.store.Save(ctx, tx, f.upload("lost.jpg", bytes.NewReader(jpegBytes(t, 50, 50)))); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) || countRows(t, d) != 1 {
			t.Fatalf("%v, %d rows", err, countRows(t, d))
		}
		os.WriteFile(filepath.Join(f.dir, ".upload-crashed"), []byte("x"), 0o600)
		if n, err := f.store.Sweep(ctx, time.Hour); err != nil || n != 0 {
			t.Fatalf("swept %d young files: %v", n, err)
		}
		n, err := f.store.Sweep(ctx, -time.Second)
		if err != nil || n != 2 { // the rolled-back upload and the temp file
			t.Fatalf("swept %d: %v", n, err)
		}
		if fs := files(t, f.dir); len(fs) != 2 { // kept and its thumbnail
			t.Fatalf("files: %v", fs)
		}
		if r, err := f.store.Open(kept); err != nil {
			t.Fatal(err)
		} else {
			r.Close()
		}
	})
}

func TestThumbnail(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, Limits{})
		for _, tc := range []struct {
			name string
			data []byte
			w, h int // of the thumbnail
			made int64
		}{
			{"wide.png", pngBytes(t, 1000, 500), 320, 160, 1},
			{"tall.jpg", jpegBytes(t, 500, 1000), 160, 320, 2},
			{"small.png", pngBytes(t, 100, 60), 100, 60, 3},                           // never enlarged
			{"rotated.jpg", withOrientation(jpegBytes(t, 1000, 500), 6), 160, 320, 4}, // shown upright
		} {
			a, err := f.store.Save(ctx, d, f.upload(tc.name, bytes.NewReader(tc.data)))
			if err != nil {
				t.Fatal(err)
			}
			var firstMod time.Time
			for i := range 2 {
				r, ct, err := f.store.Thumbnail(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				m, err := jpeg.Decode(r)
				r.Close()
				if err != nil || ct != "image/jpeg" {
					t.Fatalf("%s: %q %v", tc.name, ct, err)
				}
				if b := m.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
					t.Fatalf("%s: thumbnail %v, want %dx%d", tc.name, b, tc.w, tc.h)
				}
				fi, err := os.Stat(filepath.Join(f.dir, a.SHA256[:2], a.SHA256[2:4], a.SHA256+".thumb.jpg"))
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					firstMod = fi.ModTime()
				} else if !fi.ModTime().Equal(firstMod) {
					t.Fatalf("%s: thumbnail rewritten", tc.name)
				}
				if got := f.store.thumbsMade.Load(); got != tc.made {
					t.Fatalf("%s: %d thumbnails made, want %d", tc.name, got, tc.made)
				}
			}
		}
	})
}

func TestOrientationSwapsSize(t *testing.T) {
	in, err := sniff(bytes.NewReader(withOrientation(jpegBytes(t, 120, 80), 8)), int64(len(withOrientation(jpegBytes(t, 120, 80), 8))), "a.jpg", DefaultMaxPixels)
	if err != nil || in.Width != 80 || in.Height != 120 || in.Orientation != 8 {
		t.Fatalf("%+v %v", in, err)
	}
}

func TestThumbnailContent(t *testing.T) {
	// The left half red, the right half transparent: the thumbnail is red on
	// the left and white (flattened) on the right, and orientation 3 turns it.
	m := image.NewNRGBA(image.Rect(0, 0, 800, 400))
	for y := range 400 {
		for x := range 400 {
			m.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
		}
	}
	th := shrink(m, 320, 160)
	if c := th.RGBAAt(10, 80); c.R < 250 || c.G > 5 || c.B > 5 {
		t.Fatalf("left %v", c)
	}
	if c := th.RGBAAt(300, 80); c.R < 250 || c.G < 250 || c.B < 250 {
		t.Fatalf("right %v", c)
	}
	if c := orient(th, 3).RGBAAt(10, 80); c.G < 250 {
		t.Fatalf("rotated left %v", c)
	}
}

func TestCleanFilename(t *testing.T) {
	long := strings.Repeat("长", 300) + ".jpg"
	for in, want := range map[string]string{
		"现场照片.jpg":                   "现场照片.jpg",
		"../../etc/passwd":           "passwd",
		`C:\Users\王\Desktop\整改前.png`: "整改前.png",
		"a\x00b\nc\u202Egpj.exe":     "ab cgpj.exe",
		"  ..  ":                     "file",
		"":                           "file",
		"dir/":                       "file",
		"bad\xffutf8.pdf":            "bad\uFFFDutf8.pdf",
		long:                         strings.Repeat("长", 196) + ".jpg",
		strings.Repeat("x", 250):     strings.Repeat("x", 200),
		"tab\tname.pdf":              "tab name.pdf",
	} {
		if got := CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// webpBytes is the start of a lossless WebP declaring w×h (enough to sniff).
func webpBytes(w, h int) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f")
	b = binary.LittleEndian.AppendUint32(b, uint32(w-1)|uint32(h-1)<<14)
	b = append(b, make([]byte, 10)...)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(b)-8))
	return b
}

func TestMaxPixelsAllocatesNothing(t *testing.T) {
	bomb := hugePNG(20000, 20000) // 1.6 GB of RGBA if decoded
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := sniff(bytes.NewReader(bomb), int64(len(bomb)), "bomb.png", DefaultMaxPixels)
	runtime.ReadMemStats(&after)
	wantField(t, err, errs.Invalid, "file", "max_pixels")
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("allocated %d bytes refusing a bomb", n)
	}
}

func TestThumbnailConcurrent(t *testing.T) {
	d := dbtest.OpenSQLite(t)
	f := newFixture(t, d, Limits{})
	a, err := f.store.Save(context.Background(), d, f.upload("a.jpg", bytes.NewReader(jpegBytes(t, 1200, 900))))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			r, _, err := f.store.Thumbnail(context.Background(), a)
			if err != nil {
				t.Error(err)
				return
			}
			if m, err := jpeg.Decode(r); err != nil || m.Bounds().Dx() != 320 {
				t.Error(m, err)
			}
			r.Close()
		})
	}
	wg.Wait()
	if n := f.store.thumbsMade.Load(); n != 1 {
		t.Fatalf("%d thumbnails made", n)
	}
}

func TestStageThenInsert(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, Limits{})
		p := pngBytes(t, 30, 20)
		// Two uploads of the same photo in flight; the first is given up.
		first, err := f.store.Stage(ctx, "a.png", bytes.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.store.Stage(ctx, "b.png", bytes.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		defer second.Discard()
		first.Discard()
		if fs := files(t, f.dir); len(fs) != 1 {
			t.Fatalf("the shared file went: %v", fs)
		}
		var a Attachment
		err = d.InTx(ctx, func(tx *db.Tx) error {
			a, err = second.Insert(ctx, tx, Owner{CaseID: f.caseID, AreaCode: f.area, UploadedBy: f.userID})
			return err
		})
		if err != nil || a.Filename != "b.png" || *a.Width != 30 {
			t.Fatalf("%+v %v", a, err)
		}
		if _, err := second.Insert(ctx, d, Owner{CaseID: f.caseID, AreaCode: f.area}); err == nil {
			t.Fatal("inserted twice")
		}
		// Alone and given up: nothing stays.
		alone, err := f.store.Stage(ctx, "c.jpg", bytes.NewReader(jpegBytes(t, 20, 20)))
		if err != nil {
			t.Fatal(err)
		}
		alone.Discard()
		if fs := files(t, f.dir); len(fs) != 1 || countRows(t, d) != 1 || len(f.store.saving) != 0 {
			t.Fatalf("files %v, %d rows, %d in flight", fs, countRows(t, d), len(f.store.saving))
		}
	})
}

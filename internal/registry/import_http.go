package registry

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
)

// DefaultImportMaxBytes is the default upload limit of a ledger import.
const DefaultImportMaxBytes = 512 << 20

// reportTTL is how long an error report can be downloaded.
const reportTTL = 24 * time.Hour

// ImportHTTP serves the ledger template, imports, their error reports and
// the persons export.
//
// POST /api/v1/registry/import takes multipart/form-data with a "file"
// (.xlsx or .csv) and optional "mode" (all_or_nothing, the default, or
// valid_rows) and "area" (the microgrid for buildings not yet on record);
// both may be given as query parameters instead. The upload is spooled to a
// temporary file (never held in memory) and refused with 413 when it is
// larger than MaxBytes — at once when Content-Length says so.
//
// Answers: 200 ImportResult when every row went in, or in valid_rows mode
// (then with invalid > 0 and report_url when rows were reported); 422
// problem "import_rejected" in all_or_nothing mode with invalid rows —
// nothing stored — whose extension members are the ImportResult fields,
// report_url included. The report (the original rows with a reason column)
// is downloadable by the same user for 24 hours.
type ImportHTTP struct {
	Store    *Store
	MaxBytes int64  // upload limit; DefaultImportMaxBytes when 0
	Dir      string // where uploads are spooled and reports kept; os.TempDir()/tongxin-import when ""

	mu      sync.Mutex
	reports map[string]report
}

type report struct {
	path    string
	userID  int64
	created time.Time
}

func (h *ImportHTTP) dir() (string, error) {
	d := h.Dir
	if d == "" {
		d = filepath.Join(os.TempDir(), "tongxin-import")
	}
	return d, os.MkdirAll(d, 0o700)
}

func (h *ImportHTTP) limit() int64 {
	if h.MaxBytes > 0 {
		return h.MaxBytes
	}
	return DefaultImportMaxBytes
}

// Template downloads the persons ledger template.
func (h *ImportHTTP) Template(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := WriteTemplate(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", XLSXType)
	w.Header().Set("Content-Disposition", attachment("人口台账导入模板.xlsx", "tongxin-persons-template.xlsx"))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err := buf.WriteTo(w)
	return err
}

func attachment(name, ascii string) string {
	return mime.FormatMediaType("attachment", map[string]string{"filename": ascii}) + "; filename*=UTF-8''" + urlEscape(name)
}

func urlEscape(s string) string {
	const hexd = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexd[c>>4], hexd[c&15])
	}
	return string(b)
}

func tooLarge(limit int64) error {
	mb := strconv.FormatInt(limit>>20, 10)
	return errs.E(errs.TooLarge, "too_large", "the file is larger than "+mb+" MiB", "文件超过 "+mb+" MiB")
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Import imports an uploaded ledger.
func (h *ImportHTTP) Import(w http.ResponseWriter, r *http.Request) error {
	limit := h.limit()
	// Multipart framing adds a little beyond the file itself.
	const slack = 1 << 20
	if r.ContentLength > limit+slack {
		return tooLarge(limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+slack)
	dir, err := h.dir()
	if err != nil {
		return err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return errs.Field("file", "multipart", "send the file as multipart/form-data field \"file\"", "请以 multipart/form-data 的 file 字段上传文件")
	}
	q := r.URL.Query()
	mode, areaCode := q.Get("mode"), q.Get("area")
	var spooled, name string
	defer func() {
		if spooled != "" {
			os.Remove(spooled)
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return uploadError(err, limit)
		}
		switch part.FormName() {
		case "file":
			if spooled != "" {
				return errs.Field("file", "one", "send one file", "请只上传一个文件")
			}
			name = part.FileName()
			if _, err := LedgerFormat(name); err != nil {
				return err
			}
			f, err := os.CreateTemp(dir, "upload-*"+filepath.Ext(name))
			if err != nil {
				return err
			}
			spooled = f.Name()
			n, err := io.Copy(f, io.LimitReader(part, limit+1))
			f.Close()
			if err != nil {
				return uploadError(err, limit)
			}
			if n > limit {
				return tooLarge(limit)
			}
		case "mode", "area":
			b, _ := io.ReadAll(io.LimitReader(part, 256))
			if part.FormName() == "mode" {
				mode = string(b)
			} else {
				areaCode = string(b)
			}
		}
	}
	if spooled == "" {
		return errs.Field("file", "required", "the file is required (multipart field \"file\")", "请上传文件（file 字段）")
	}
	id := randomID()
	reportPath := filepath.Join(dir, "report-"+id+".xlsx")
	res, err := h.Store.ImportFile(r.Context(), spooled, name, ImportOptions{Mode: ImportMode(mode), Area: areaCode, ReportPath: reportPath}, nil)
	if err != nil {
		os.Remove(reportPath)
		return err
	}
	if res.Invalid > 0 {
		h.keep(id, reportPath, access.From(r.Context()).UserID)
		res.ReportURL = "/api/v1/registry/import/" + id + "/report.xlsx"
	}
	if res.Invalid > 0 && res.Mode == ImportAllOrNothing {
		e := errs.E(errs.Invalid, "import_rejected",
			strconv.Itoa(res.Invalid)+" of "+strconv.Itoa(res.Rows)+" rows are invalid; nothing was imported (see the report, or import the valid rows only with mode=valid_rows)",
			"共 "+strconv.Itoa(res.Rows)+" 行，其中 "+strconv.Itoa(res.Invalid)+" 行有误，未导入任何数据（详见错误报告，或选择“仅导入有效行”）")
		e.Extra = map[string]any{"mode": res.Mode, "rows": res.Rows, "imported": 0, "updated": 0, "invalid": res.Invalid, "report_url": res.ReportURL, "problems": res.Problems}
		return e
	}
	return httpapi.WriteJSON(w, http.StatusOK, res)
}

func uploadError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(limit)
	}
	return errs.Field("file", "upload", "the upload could not be read: "+err.Error(), "上传的文件无法读取")
}

// keep registers a report for its user and forgets expired ones.
func (h *ImportHTTP) keep(id, path string, userID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.reports == nil {
		h.reports = map[string]report{}
	}
	now := time.Now()
	for k, rp := range h.reports {
		if now.Sub(rp.created) > reportTTL {
			os.Remove(rp.path)
			delete(h.reports, k)
		}
	}
	h.reports[id] = report{path: path, userID: userID, created: now}
}

// Report downloads the error report of an import by the same user.
func (h *ImportHTTP) Report(w http.ResponseWriter, r *http.Request) error {
	notFound := errs.NotFoundf("report", "错误报告")
	h.mu.Lock()
	rp, ok := h.reports[r.PathValue("id")]
	h.mu.Unlock()
	if !ok || rp.userID != access.From(r.Context()).UserID || time.Since(rp.created) > reportTTL {
		return notFound
	}
	f, err := os.Open(rp.path)
	if err != nil {
		return notFound
	}
	defer f.Close()
	w.Header().Set("Content-Type", XLSXType)
	w.Header().Set("Content-Disposition", attachment("导入错误报告.xlsx", "import-report.xlsx"))
	w.Header().Set("Cache-Control", "no-store")
	_, err = io.Copy(w, f)
	return err
}

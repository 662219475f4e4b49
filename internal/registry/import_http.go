package registry

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
	"github.com/tongxin/tongxin/internal/platform/xlsx"
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
//
// With the header "Prefer: respond-async" (RFC 7240) the answer is 202 with
// the import job at once (Location: /api/v1/registry/imports/{id}); the job
// runs on, and GET on its location follows its progress to its outcome.
type ImportHTTP struct {
	Store    *Store
	MaxBytes int64  // upload limit; DefaultImportMaxBytes when 0
	Dir      string // where uploads are spooled and reports kept; os.TempDir()/tongxin-import when ""

	mu   sync.Mutex
	live map[string]*liveJob // running imports of this process
}

// liveJob is the progress of a running import.
type liveJob struct {
	rows  atomic.Int64
	bytes atomic.Int64
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
	w.Header().Set("Content-Disposition", xlsx.Attachment("人口台账导入模板.xlsx", "tongxin-persons-template.xlsx"))
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, err := buf.WriteTo(w)
	return err
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
	st, err := os.Stat(spooled)
	if err != nil {
		return err
	}
	p := access.From(r.Context())
	job := &ImportJob{ID: randomID(), FileName: name, Mode: ImportMode(mode), Area: areaCode, BytesTotal: st.Size(), userID: p.UserID}
	if job.Mode == "" {
		job.Mode = ImportAllOrNothing
	}
	job.reportPath = filepath.Join(dir, "report-"+job.ID+".xlsx")
	if err := h.Store.startJob(r.Context(), job); err != nil {
		return err
	}
	live := &liveJob{}
	h.mu.Lock()
	if h.live == nil {
		h.live = map[string]*liveJob{}
	}
	h.live[job.ID] = live
	h.mu.Unlock()
	file := spooled
	spooled = "" // the job removes it
	run := func(ctx context.Context) (ImportResult, error) {
		defer os.Remove(file)
		if h.Store.db.Dialect() == db.Postgres {
			stop := make(chan struct{})
			defer close(stop)
			go h.heartbeat(context.WithoutCancel(ctx), job.ID, live, stop)
		}
		opts := ImportOptions{Mode: job.Mode, Area: areaCode, ReportPath: job.reportPath, Progress: func(rows int, bytes int64) {
			live.rows.Store(int64(rows))
			live.bytes.Store(bytes)
		}}
		res, err := h.Store.ImportFile(ctx, file, name, opts)
		if err != nil {
			os.Remove(job.reportPath)
		} else if res.Invalid > 0 {
			res.ReportURL = reportURL(job.ID)
		}
		if ferr := h.Store.finishJob(ctx, job, res, err); ferr != nil && err == nil {
			err = ferr
		}
		h.mu.Lock()
		delete(h.live, job.ID)
		h.mu.Unlock()
		_ = h.Store.sweepReports(context.WithoutCancel(ctx), h.Store.clock.Now().Add(-reportTTL))
		return res, err
	}
	if preferAsync(r) {
		// The job outlives the request, with the caller's principal.
		accepted := *job
		go run(context.WithoutCancel(r.Context()))
		w.Header().Set("Location", "/api/v1/registry/imports/"+accepted.ID)
		w.Header().Set("Preference-Applied", "respond-async")
		return httpapi.WriteJSON(w, http.StatusAccepted, accepted)
	}
	res, err := run(r.Context())
	if err != nil {
		return err
	}
	if res.Invalid > 0 && res.Mode == ImportAllOrNothing {
		return rejected(res)
	}
	return httpapi.WriteJSON(w, http.StatusOK, res)
}

// rejected is the problem of an all_or_nothing import with invalid rows.
func rejected(res ImportResult) error {
	e := errs.E(errs.Invalid, "import_rejected",
		strconv.Itoa(res.Invalid)+" of "+strconv.Itoa(res.Rows)+" rows are invalid; nothing was imported (see the report, or import the valid rows only with mode=valid_rows)",
		"共 "+strconv.Itoa(res.Rows)+" 行，其中 "+strconv.Itoa(res.Invalid)+" 行有误，未导入任何数据（详见错误报告，或选择“仅导入有效行”）")
	e.Extra = map[string]any{"mode": res.Mode, "rows": res.Rows, "imported": 0, "updated": 0, "invalid": res.Invalid, "report_url": res.ReportURL, "problems": res.Problems}
	return e
}

// preferAsync tells whether the request prefers an asynchronous answer.
func preferAsync(r *http.Request) bool {
	for _, v := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(strings.SplitN(p, ";", 2)[0]), "respond-async") {
				return true
			}
		}
	}
	return false
}

// heartbeat records, until stop, that the job is alive and how far it got
// (PostgreSQL: see jobHeartbeat).
func (h *ImportHTTP) heartbeat(ctx context.Context, token string, live *liveJob, stop <-chan struct{}) {
	t := time.NewTicker(jobHeartbeat)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			_ = h.Store.beat(ctx, token, int(live.rows.Load()), live.bytes.Load())
		}
	}
}

// progress fills in the progress of a running job: this process's live
// count, or for an import another replica runs, its last heartbeat's.
func (h *ImportHTTP) progress(j *ImportJob) {
	if j.State != JobRunning {
		if j.BytesTotal > 0 && j.State == JobDone {
			j.BytesRead = j.BytesTotal
			pc := 100
			j.Percent = &pc
		}
		return
	}
	h.mu.Lock()
	live := h.live[j.ID]
	h.mu.Unlock()
	if live != nil {
		j.Rows = int(live.rows.Load())
		j.BytesRead = live.bytes.Load()
	}
	if j.BytesRead > 0 && j.BytesTotal > 0 {
		// The bytes of the rows written so far (a workbook's: the share
		// of its rows read, see xlsxSource.offset).
		pc := int(min(99, j.BytesRead*100/j.BytesTotal))
		j.Percent = &pc
	}
}

// Job is an import of the caller's, with its progress or outcome.
func (h *ImportHTTP) Job(w http.ResponseWriter, r *http.Request) error {
	j, err := h.Store.job(r.Context(), r.PathValue("id"), access.From(r.Context()).UserID)
	if err != nil {
		return err
	}
	h.progress(&j)
	if j.State == JobRunning {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpapi.WriteJSON(w, http.StatusOK, j)
}

// Jobs lists the caller's last 20 imports.
func (h *ImportHTTP) Jobs(w http.ResponseWriter, r *http.Request) error {
	items, err := h.Store.jobs(r.Context(), access.From(r.Context()).UserID, 20)
	if err != nil {
		return err
	}
	for i := range items {
		h.progress(&items[i])
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpapi.WriteJSON(w, http.StatusOK, ImportJobList{Items: items})
}

func uploadError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(limit)
	}
	return errs.Field("file", "upload", "the upload could not be read: "+err.Error(), "上传的文件无法读取")
}

// Report downloads the error report of an import by the same user.
func (h *ImportHTTP) Report(w http.ResponseWriter, r *http.Request) error {
	notFound := errs.NotFoundf("report", "错误报告")
	j, err := h.Store.job(r.Context(), r.PathValue("id"), access.From(r.Context()).UserID)
	if err != nil || j.reportPath == "" || h.Store.clock.Now().Sub(j.CreatedAt) > reportTTL {
		return notFound
	}
	f, err := os.Open(j.reportPath)
	if err != nil {
		return notFound
	}
	defer f.Close()
	w.Header().Set("Content-Type", XLSXType)
	w.Header().Set("Content-Disposition", xlsx.Attachment("导入错误报告.xlsx", "import-report.xlsx"))
	w.Header().Set("Cache-Control", "no-store")
	_, err = io.Copy(w, f)
	return err
}

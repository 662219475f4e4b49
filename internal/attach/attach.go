// Package attach stores the photos and files attached to cases (and later to
// other records). Files live on disk under a content-addressed path
// (dir/ab/cd/<sha256>), so identical uploads share one file; each upload is a
// row in attachments that names its case, the case's area and the uploader.
//
// What a file is comes from its bytes, never from its name or the client's
// Content-Type: only images, PDFs and Office documents are kept, and images
// are decoded whole before they are accepted.
//
// The package knows nothing about who may see what: callers check the case
// against the user's scope first and pass the case id and area code.
package attach

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tongxin/tongxin/internal/platform/clock"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Defaults for Limits.
const (
	DefaultMaxBytes  = 10 << 20   // 10 MiB
	DefaultMaxPixels = 40_000_000 // 40 megapixels
)

// Limits bound what one upload may be. Zero values take the defaults.
type Limits struct {
	MaxBytes  int64 // file size; default 10 MiB
	MaxPixels int   // width × height of an image; default 40 megapixels, which refuses decompression bombs
}

// Attachment is one stored file as the API shows it.
type Attachment struct {
	ID           int64     `json:"id"`
	CaseID       int64     `json:"case_id"`
	EventID      *int64    `json:"event_id"`
	AreaCode     string    `json:"area_code"`
	Filename     string    `json:"filename"`
	ContentType  string    `json:"content_type"`
	Size         int64     `json:"size"`
	SHA256       string    `json:"sha256"`
	Width        *int      `json:"width"`  // images only, as displayed (EXIF orientation applied)
	Height       *int      `json:"height"` // images only
	UploadedBy   *int64    `json:"uploaded_by"`
	CreatedAt    time.Time `json:"created_at"`
	URL          string    `json:"url"`           // /api/v1/attachments/{id}
	ThumbnailURL string    `json:"thumbnail_url"` // /api/v1/attachments/{id}/thumbnail; empty when there is none

	storageKey string
}

// Upload is one file to attach.
type Upload struct {
	CaseID     int64
	EventID    *int64 // the timeline entry the file belongs to, if any
	AreaCode   string // the case's area, copied so the row can be sharded and scoped without a join
	UploadedBy int64  // 0: nobody known (not stored)
	Filename   string // as the client named it; cleaned before storing
	Body       io.Reader
}

// Store keeps attachment files in a directory and their rows in the database.
type Store struct {
	db     *db.DB
	dir    string
	clock  clock.Clock
	limits Limits

	decoding chan struct{} // bounds concurrent image decodes: a 40-megapixel PNG takes 160 MB

	mu       sync.Mutex
	saving   map[string]*saving // sha256 → uploads of that content in progress
	thumbing map[string]chan struct{}

	thumbsMade atomic.Int64 // thumbnails generated (tests)
}

type saving struct {
	n      int
	shared bool // another upload linked to the file while this one was running
}

// NewStore returns a store keeping files under dir (created if missing; the
// server uses <data dir>/attachments).
func NewStore(d *db.DB, dir string, c clock.Clock, l Limits) *Store {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if c == nil {
		c = clock.Real{}
	}
	_ = os.MkdirAll(dir, 0o750) // a failure shows up, with its cause, on the first Save
	return &Store{
		db: d, dir: dir, clock: c, limits: l,
		decoding: make(chan struct{}, max(1, min(2, runtime.GOMAXPROCS(0)/2))),
		saving:   map[string]*saving{},
		thumbing: map[string]chan struct{}{},
	}
}

// Limits returns the limits in force (with defaults filled in).
func (s *Store) Limits() Limits { return s.limits }

// Save checks and stores one file and inserts its row through q, which may be
// the caller's transaction so that the row commits with the rest of its
// change. The file is written first (temp file, fsync, rename into its
// content-addressed place), so a committed row always has its file. On any
// error nothing new is kept: no temp file, no row, no file that only this
// upload brought. (If the caller's transaction later rolls back, the file
// stays until Sweep removes it.)
//
// Save reads the whole body before it touches q. On SQLite a transaction
// holds the one writer connection, so a caller streaming an upload from the
// network should Stage it first and open the transaction only to Insert.
func (s *Store) Save(ctx context.Context, q db.Querier, in Upload) (Attachment, error) {
	if in.CaseID <= 0 || in.AreaCode == "" {
		return Attachment{}, errors.New("attach: Save needs a case id and its area code")
	}
	st, err := s.Stage(ctx, in.Filename, in.Body)
	if err != nil {
		return Attachment{}, err
	}
	return st.Insert(ctx, q, Owner{CaseID: in.CaseID, EventID: in.EventID, AreaCode: in.AreaCode, UploadedBy: in.UploadedBy})
}

// Owner is what an attachment belongs to: a case (and possibly one entry of
// its timeline), the case's area, and who uploaded it (0: nobody known).
type Owner struct {
	CaseID     int64
	EventID    *int64
	AreaCode   string
	UploadedBy int64
}

// Staged is a checked file in its place on disk, waiting for its row. Call
// Insert once, or Discard; a Discard after Insert does nothing, so
// "defer st.Discard()" is the usual pattern.
type Staged struct {
	s       *Store
	name    string
	sum     string
	size    int64
	info    info
	created bool // this upload brought the file
	done    bool
}

// Stage reads, checks and stores a file without touching the database, so
// that a caller can take its time reading an upload and then insert the row
// inside a short transaction (for instance with the case it creates).
func (s *Store) Stage(ctx context.Context, filename string, body io.Reader) (*Staged, error) {
	if body == nil {
		return nil, errors.New("attach: no body")
	}
	name := CleanFilename(filename)
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(s.dir, ".upload-*")
	if err != nil {
		return nil, err
	}
	defer func() { // closed and removed unless renamed into place
		tmp.Close()
		os.Remove(tmp.Name())
	}()

	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, s.limits.MaxBytes+1))
	if err != nil {
		return nil, readError(err, s.limits.MaxBytes)
	}
	if n > s.limits.MaxBytes {
		return nil, tooLarge("file", s.limits.MaxBytes)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case s.decoding <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	inf, err := sniff(tmp, n, name, s.limits.MaxPixels)
	<-s.decoding
	if err != nil {
		return nil, err
	}

	st := &Staged{s: s, name: name, sum: hex.EncodeToString(h.Sum(nil)), size: n, info: inf}
	s.begin(st.sum)
	if st.created, err = s.place(tmp, storageKey(st.sum)); err != nil {
		s.end(st.sum, false)
		return nil, err
	}
	return st, nil
}

// Insert adds the row for the staged file through q (a *db.DB or the
// caller's *db.Tx). If the insert fails, the file goes unless another upload
// uses it.
func (st *Staged) Insert(ctx context.Context, q db.Querier, o Owner) (Attachment, error) {
	if st.done {
		return Attachment{}, errors.New("attach: staged file already inserted or discarded")
	}
	if o.CaseID <= 0 || o.AreaCode == "" {
		st.Discard()
		return Attachment{}, errors.New("attach: Insert needs a case id and its area code")
	}
	key := storageKey(st.sum)
	a := Attachment{
		CaseID: o.CaseID, EventID: o.EventID, AreaCode: o.AreaCode, Filename: st.name,
		ContentType: st.info.ContentType, Size: st.size, SHA256: st.sum,
		CreatedAt: db.Time(db.Millis(st.s.clock.Now())), storageKey: key,
	}
	if st.info.Width > 0 {
		w, h := st.info.Width, st.info.Height
		a.Width, a.Height = &w, &h
	}
	if o.UploadedBy > 0 {
		by := o.UploadedBy
		a.UploadedBy = &by
	}
	err := q.QueryRowContext(ctx, `INSERT INTO attachments
		(case_id, event_id, area_code, filename, content_type, size, sha256, storage_key, width, height, uploaded_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.CaseID, a.EventID, a.AreaCode, a.Filename, a.ContentType, a.Size, a.SHA256, key,
		a.Width, a.Height, a.UploadedBy, db.Millis(a.CreatedAt)).Scan(&a.ID)
	if err != nil {
		st.Discard()
		return Attachment{}, fmt.Errorf("insert attachment: %w", err)
	}
	st.done = true
	st.s.end(st.sum, false)
	a.setURLs()
	return a, nil
}

// Discard gives up a staged file that has no row: the file is removed
// unless it was already there or another upload has linked to it since.
func (st *Staged) Discard() {
	if st.done {
		return
	}
	st.done = true
	st.s.end(st.sum, st.created)
}

// place moves the finished temp file to dir/key, unless identical content is
// already there. It reports whether this call created the file.
func (s *Store) place(tmp *os.File, key string) (bool, error) {
	dst := filepath.Join(s.dir, filepath.FromSlash(key))
	if _, err := os.Stat(dst); err == nil {
		now := time.Now() // fresh again, so Sweep leaves it to this upload
		_ = os.Chtimes(dst, now, now)
		return false, nil
	}
	if err := tmp.Sync(); err != nil {
		return false, err
	}
	if err := tmp.Close(); err != nil {
		return false, err
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return false, err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return false, err
	}
	syncDir(filepath.Dir(dst))
	return true, nil
}

// begin and end track uploads of the same content in this process, so that
// an upload that brought a file and then fails removes it only when no other
// upload has linked to it meanwhile. The check and the removal happen under
// the lock that begin takes, so a new upload either counts as sharing or
// finds the file gone and writes it again.
func (s *Store) begin(sum string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.saving[sum]
	if e == nil {
		e = &saving{}
		s.saving[sum] = e
	}
	e.n++
	if e.n > 1 {
		e.shared = true
	}
}

// end closes an upload of sum; discard removes the file it brought.
func (s *Store) end(sum string, discard bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.saving[sum]
	if e == nil {
		return
	}
	if discard && !e.shared {
		p := filepath.Join(s.dir, filepath.FromSlash(storageKey(sum)))
		os.Remove(p)
		os.Remove(p + thumbSuffix)
	}
	if e.n--; e.n == 0 {
		delete(s.saving, sum)
	}
}

// syncDir makes a rename durable; errors are ignored (not all systems can).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// storageKey is the content-addressed place of a file: ab/cd/<sha256>.
func storageKey(sum string) string { return sum[:2] + "/" + sum[2:4] + "/" + sum }

func tooLarge(field string, limit int64) error {
	mib := float64(limit) / (1 << 20)
	e := errs.E(errs.TooLarge, "too_large",
		fmt.Sprintf("the file is larger than %.4g MiB", mib), fmt.Sprintf("文件超过 %.4g MB", mib))
	e.Fields = []errs.FieldError{{Field: field, Rule: "max_size", Detail: e.Detail, DetailZH: e.DetailZH}}
	return e
}

// readError keeps the user-facing errors a body can produce (ReadUpload's
// size limit) and wraps the rest.
func readError(err error, limit int64) error {
	var e *errs.Error
	if errors.As(err, &e) {
		return e
	}
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return tooLarge("file", limit)
	}
	return fmt.Errorf("read upload: %w", err)
}

const columns = `id, case_id, event_id, area_code, filename, content_type, size, sha256, storage_key, width, height, uploaded_by, created_at`

func scan(row interface{ Scan(...any) error }) (Attachment, error) {
	var (
		a             Attachment
		event, by     sql.NullInt64
		width, height sql.NullInt64
		created       int64
	)
	if err := row.Scan(&a.ID, &a.CaseID, &event, &a.AreaCode, &a.Filename, &a.ContentType, &a.Size, &a.SHA256,
		&a.storageKey, &width, &height, &by, &created); err != nil {
		return Attachment{}, err
	}
	if event.Valid {
		a.EventID = &event.Int64
	}
	if by.Valid {
		a.UploadedBy = &by.Int64
	}
	if width.Valid && height.Valid {
		w, h := int(width.Int64), int(height.Int64)
		a.Width, a.Height = &w, &h
	}
	a.CreatedAt = db.Time(created)
	a.setURLs()
	return a, nil
}

func (a *Attachment) setURLs() {
	a.URL = "/api/v1/attachments/" + strconv.FormatInt(a.ID, 10)
	a.ThumbnailURL = ""
	if thumbnailable(a.ContentType) {
		a.ThumbnailURL = a.URL + "/thumbnail"
	}
}

// Get returns one attachment; the caller checks that its case is in scope.
func (s *Store) Get(ctx context.Context, id int64) (Attachment, error) {
	a, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM attachments WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, errs.NotFoundf("attachment", "附件")
	}
	return a, err
}

// SHA256 is the staged file's content hash.
func (st *Staged) SHA256() string { return st.sum }

// Existing returns the attachment of a case with the same content, if any:
// a retried upload (a phone that lost the answer) finds the first one.
func (s *Store) Existing(ctx context.Context, caseID int64, sum string) (Attachment, bool, error) {
	a, err := scan(s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM attachments WHERE case_id = ? AND sha256 = ? ORDER BY id LIMIT 1`, caseID, sum))
	if errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, false, nil
	}
	return a, err == nil, err
}

// listChunk keeps the IN list well below both engines' parameter limits.
const listChunk = 500

// ListByCase returns the attachments of the given cases, oldest first per
// case, in one query (per 500 cases). Cases without attachments are absent.
func (s *Store) ListByCase(ctx context.Context, caseIDs ...int64) (map[int64][]Attachment, error) {
	out := map[int64][]Attachment{}
	seen := map[int64]bool{}
	ids := make([]any, 0, len(caseIDs))
	for _, id := range caseIDs {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), listChunk)]
		ids = ids[len(chunk):]
		rows, err := s.db.QueryContext(ctx, `SELECT `+columns+` FROM attachments WHERE case_id IN (?`+
			strings.Repeat(", ?", len(chunk)-1)+`) ORDER BY case_id, id`, chunk...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			a, err := scan(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[a.CaseID] = append(out[a.CaseID], a)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// path is where the file of a lives on disk.
func (s *Store) path(a Attachment) (string, error) {
	key := a.storageKey
	if key == "" && validSum(a.SHA256) {
		key = storageKey(a.SHA256)
	}
	if key == "" || !filepath.IsLocal(filepath.FromSlash(key)) {
		return "", fmt.Errorf("attachment %d: bad storage key %q", a.ID, key)
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

func validSum(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// Open opens the stored file of a. A missing file is an internal error (the
// row promised it), not a not-found.
func (s *Store) Open(a Attachment) (io.ReadSeekCloser, error) {
	p, err := s.path(a)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

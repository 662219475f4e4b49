package registry

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/area"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// ImportMode chooses what happens to the valid rows of a file with invalid
// ones.
type ImportMode string

const (
	ImportAllOrNothing ImportMode = "all_or_nothing" // any invalid row: nothing is stored
	ImportValidRows    ImportMode = "valid_rows"     // valid rows go in, invalid rows are reported
)

// ImportOptions configure one import.
type ImportOptions struct {
	Mode ImportMode
	// Area is the microgrid where buildings not yet on record are created;
	// "" uses the caller's write scope when it is a single microgrid.
	Area string
	// ReportPath is where the error report (xlsx) is written when there are
	// invalid rows; "" writes none.
	ReportPath string
	// BatchSize is the number of rows per chunk, and per transaction in
	// valid_rows mode (default 5,000).
	BatchSize int
	// Progress, when set, is called after every chunk written with the rows
	// done and, for a CSV, the bytes of the file they took (-1 for a
	// workbook, which excelize reads itself).
	Progress func(rows int, bytes int64)
	// Bulk loads the whole file in one transaction — other changes wait
	// until it ends — for initial loads of a large ledger: on SQLite the
	// secondary indexes of persons, memberships and history that the
	// import does not read itself are dropped at its start and built again,
	// sorted, at its end (inside the transaction, so readers keep theirs).
	Bulk bool
}

// ImportResult is the outcome of an import.
type ImportResult struct {
	Mode      ImportMode `json:"mode"`
	Rows      int        `json:"rows"`     // data rows read
	Imported  int        `json:"imported"` // rows that registered a new person (or, without a person, a new house or building)
	Updated   int        `json:"updated"`  // rows whose person (house, building) was on record: updated or linked
	Invalid   int        `json:"invalid"`  // rows reported
	Stored    bool       `json:"stored"`   // whether anything was stored
	ReportURL string     `json:"report_url,omitempty"`
	// Problems are the problems of the first invalid rows (at most 100).
	Problems []RowReport `json:"problems,omitempty"`
}

// RowReport is an invalid row: its line in the file and its problems.
type RowReport struct {
	Line     int          `json:"line"`
	Problems []RowProblem `json:"problems"`
}

// rowSource yields the rows of a ledger file.
type rowSource interface {
	next() ([]string, error) // io.EOF at the end
	offset() int64           // bytes of the file read so far; -1 when unknown
	close() error
}

type csvSource struct {
	r *csv.Reader
	c io.Closer
	n *countReader
}

func (s *csvSource) next() ([]string, error) { return s.r.Read() }

// offset is how many bytes of the file have been read: the rows returned
// so far and what the buffers hold ahead of them (at most some 64 KiB).
func (s *csvSource) offset() int64 { return s.n.n }

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
func (s *csvSource) close() error {
	if s.c != nil {
		return s.c.Close()
	}
	return nil
}

// newCSVSource reads CSV in UTF-8 (with or without a BOM) or, when its
// first 64 KiB are not valid UTF-8, GB18030 (a superset of GBK and GB2312,
// as Excel saves "CSV" on Chinese Windows).
func newCSVSource(r io.Reader) (*csvSource, error) {
	counter := &countReader{r: r}
	br := bufio.NewReaderSize(counter, 64<<10)
	head, err := br.Peek(64 << 10)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	var in io.Reader = br
	if len(head) >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF {
		_, _ = br.Discard(3)
	} else if !validUTF8Prefix(head, len(head) == 64<<10) {
		in = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
	}
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	return &csvSource{r: cr, n: counter}, nil
}

// validUTF8Prefix tells whether b is UTF-8, allowing a rune cut at the end
// when b is only the start of the input.
func validUTF8Prefix(b []byte, cut bool) bool {
	if cut {
		for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
			if utf8.Valid(b) {
				return true
			}
			b = b[:len(b)-1]
		}
	}
	return utf8.Valid(b)
}

type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
	// size is the file's length and total the sheet's rows as its
	// dimension records them (0 when it records none): excelize reads the
	// file itself, so offset tells the share of the rows read as the same
	// share of the file, for a percent.
	size        int64
	total, read int
}

func (s *xlsxSource) next() ([]string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	s.read++
	return s.rows.Columns()
}

func (s *xlsxSource) offset() int64 {
	if s.total <= 0 || s.size <= 0 {
		return -1
	}
	return s.size * int64(min(s.read, s.total)) / int64(s.total)
}

func (s *xlsxSource) close() error {
	_ = s.rows.Close()
	return s.f.Close()
}

// newXLSXSource streams the first sheet of a workbook file: excelize keeps
// large worksheets in temporary files rather than in memory.
func newXLSXSource(path string) (*xlsxSource, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, errs.Field("file", "format", "the file is not a readable xlsx workbook", "文件不是可读取的 xlsx 工作簿")
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, errs.Field("file", "format", "the workbook has no sheet", "工作簿中没有工作表")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, err
	}
	src := &xlsxSource{f: f, rows: rows}
	if st, err := os.Stat(path); err == nil {
		src.size = st.Size()
	}
	// "A1:N1001": the last row of the range is the sheet's length.
	if dim, err := f.GetSheetDimension(sheets[0]); err == nil {
		if _, last, ok := strings.Cut(dim, ":"); ok {
			if _, row, err := excelize.CellNameToCoordinates(last); err == nil {
				src.total = row
			}
		}
	}
	return src, nil
}

// LedgerFormat is the format of a ledger file by its name: "csv" or "xlsx".
func LedgerFormat(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt":
		return "csv", nil
	case ".xlsx", ".xlsm":
		return "xlsx", nil
	}
	return "", errs.Field("file", "format", "the file must be .xlsx or .csv", "文件须为 .xlsx 或 .csv 格式")
}

// ImportFile imports a ledger file (csv or xlsx by its name) with the scope
// of the principal in ctx.
func (s *Store) ImportFile(ctx context.Context, path, name string, opts ImportOptions) (ImportResult, error) {
	format, err := LedgerFormat(name)
	if err != nil {
		return ImportResult{}, err
	}
	var src rowSource
	if format == "xlsx" {
		x, err := newXLSXSource(path)
		if err != nil {
			return ImportResult{}, err
		}
		src = x
	} else {
		f, err := os.Open(path)
		if err != nil {
			return ImportResult{}, err
		}
		c, err := newCSVSource(f)
		if err != nil {
			f.Close()
			return ImportResult{}, err
		}
		c.c = f
		src = c
	}
	defer src.close()
	return s.importRows(ctx, src, opts)
}

// bulkIndexes are the secondary indexes a bulk load builds at its end,
// sorted, rather than row by row: every index of persons, memberships and
// history that the import itself does not read. It finds persons by their
// ID number's blind index and by id, households by house, houses by
// building; those indexes stay, as do the unique ones that guard one record
// per person and one open membership. Building an index whose keys arrive
// in random order (names, pinyin, phone numbers, dates) row by row puts
// every new row on another page; even those whose keys grow with the ids
// (area, household, history) cost a descent per row, more than their share
// of one sort at the end.
var bulkIndexes = []string{
	"persons_name", "persons_pinyin", "persons_initials", "persons_phone", "persons_moved_in",
	"persons_area", "persons_household", "persons_residence",
	"household_members_household", "registry_history_entity",
}

// bulkCacheKiB is the page cache of a bulk load on SQLite, and
// bulkBuildCacheKiB that of its index builds at the end.
const (
	bulkCacheKiB      = 48 << 10
	bulkBuildCacheKiB = 16 << 10
)

// deferIndexes drops the bulk indexes in tx (SQLite only; other engines
// keep them) and returns the function that creates them again from their
// recorded definitions.
func deferIndexes(ctx context.Context, tx *db.Tx) (rebuild func() error, restore func(), err error) {
	restore = func() {}
	if tx.Dialect() != db.SQLite {
		return nil, restore, nil
	}
	// With the indexes set aside the load touches few pages at a time: a
	// smaller page cache for the load, and a smaller one still for the
	// index builds, keep memory down. restore puts the connection's back.
	var pages int64
	if err := tx.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&pages); err != nil {
		return nil, restore, err
	}
	restore = func() {
		_, _ = tx.ExecContext(context.WithoutCancel(ctx), `PRAGMA cache_size = `+strconv.FormatInt(pages, 10))
	}
	if pages < -bulkCacheKiB {
		if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -`+strconv.Itoa(bulkCacheKiB)); err != nil {
			return nil, restore, err
		}
	}
	names := make([]any, len(bulkIndexes))
	for i, n := range bulkIndexes {
		names[i] = n
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name IN `+inClause(len(names)), names...)
	if err != nil {
		return nil, restore, err
	}
	var defs []string
	var drop []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, restore, err
		}
		drop, defs = append(drop, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, restore, err
	}
	for _, n := range drop {
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+n); err != nil {
			return nil, restore, err
		}
	}
	return func() error {
		// The rows are in; what the load held (chunks, queues) is garbage.
		// Giving it back before SQLite sorts the index keys keeps the
		// process's peak memory down.
		debug.FreeOSMemory()
		// A small cache for the builds: SQLite sizes a sort's in-memory
		// runs by it and spills the rest to temporary files, so memory
		// stays bounded however many rows there are; the table scans read
		// past any cache anyway.
		if _, err := tx.ExecContext(ctx, `PRAGMA cache_size = -`+strconv.Itoa(bulkBuildCacheKiB)); err != nil {
			return err
		}
		for _, def := range defs {
			if _, err := tx.ExecContext(ctx, def); err != nil {
				return err
			}
		}
		return nil
	}, restore, nil
}

// errRollback ends the transaction of an all-or-nothing import with invalid
// rows.
var errRollback = errors.New("registry: import rolled back")

func (s *Store) importRows(ctx context.Context, src rowSource, opts ImportOptions) (ImportResult, error) {
	if opts.Mode == "" {
		opts.Mode = ImportAllOrNothing
	}
	res := ImportResult{Mode: opts.Mode}
	if opts.Mode != ImportAllOrNothing && opts.Mode != ImportValidRows {
		return res, errs.Field("mode", "enum", "mode must be all_or_nothing or valid_rows", "mode 须为 all_or_nothing 或 valid_rows")
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 5000
	}
	p := access.From(ctx)
	if !p.Can(access.RegistryWrite) {
		return res, errs.E(errs.Forbidden, "forbidden", "you may not change the registry", "您无权修改实有人口/房屋信息")
	}
	st, err := s.newImportState(ctx, p, opts.Area)
	if err != nil {
		return res, err
	}
	// The header: the first non-empty row.
	var header ledgerHeader
	line := 0
	for {
		raw, err := src.next()
		line++
		if err == io.EOF {
			return res, errs.Field("file", "empty", "the file has no header row", "文件没有表头行")
		}
		if err != nil {
			return res, readError(err)
		}
		if blank(raw) {
			continue
		}
		var missing []string
		header, missing = parseLedgerHeader(raw)
		if len(missing) > 0 {
			e := errs.E(errs.Invalid, "missing_columns", "the file lacks the required columns: "+strings.Join(missing, ", "), "文件缺少必需的列："+strings.Join(missing, "、"))
			e.Fields = []errs.FieldError{{Field: "file", Rule: "columns", Detail: "missing columns: " + strings.Join(missing, ", "), DetailZH: "缺少列：" + strings.Join(missing, "、")}}
			e.Extra = map[string]any{"missing_columns": missing}
			return res, e
		}
		break
	}
	var rep *reportWriter
	if opts.ReportPath != "" {
		rep = &reportWriter{path: opts.ReportPath, header: header.raw}
		defer rep.discard()
	}
	// Rows are read, parsed and sealed a chunk ahead, on another goroutine,
	// while the chunk before is written.
	chunks := make(chan readChunk, 1)
	rctx, stopReading := context.WithCancel(ctx)
	defer func() {
		// The reader is done with src before the caller closes it.
		stopReading()
		for range chunks {
		}
	}()
	go s.readChunks(rctx, src, header, line, opts.BatchSize, chunks)
	eof := false
	var offset int64 // of the last chunk written
	// batch writes the next chunk in tx.
	var rowsOf func(tx *db.Tx) error
	batch := func(tx *db.Tx) error {
		if err := st.begin(ctx, tx); err != nil {
			return err
		}
		if err := rowsOf(tx); err != nil {
			return err
		}
		return st.flush(ctx, tx)
	}
	rowsOf = func(tx *db.Tx) error {
		// Look up what the chunk needs at once, then check and store its
		// rows in file order (import_batch.go).
		rc, ok := <-chunks
		if !ok {
			eof = true
			return nil
		}
		if rc.err != nil {
			return rc.err
		}
		eof = rc.last
		chunk := rc.rows
		res.Rows += len(chunk)
		offset = rc.offset
		if err := st.prefetch(ctx, tx, chunk); err != nil {
			return err
		}
		for i := range chunk {
			c := &chunk[i]
			problems := c.problems
			updated := false
			if len(problems) == 0 {
				var err error
				updated, problems, err = st.writeChunkRow(ctx, tx, c)
				if err != nil {
					return fmt.Errorf("line %d: %w", c.line, err)
				}
			}
			if len(problems) > 0 {
				res.Invalid++
				if len(res.Problems) < 100 {
					res.Problems = append(res.Problems, RowReport{Line: c.line, Problems: problems})
				}
				if rep != nil {
					if err := rep.add(c.line, c.raw, problems); err != nil {
						return err
					}
				}
				continue
			}
			if updated {
				res.Updated++
			} else {
				res.Imported++
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		return st.flushPending(ctx, tx)
	}
	if opts.Bulk {
		// A bulk load is a batch job: it lets the Go heap grow to three
		// times what it holds (GOGC 200) rather than two, which halves the
		// collector's share of the two goroutines' CPU. Its peak memory is
		// the index build at the end, after the heap has been given back.
		if prev := debug.SetGCPercent(200); prev > 200 || prev < 0 {
			debug.SetGCPercent(prev) // the process asked for more already
		} else {
			defer debug.SetGCPercent(prev)
		}
	}
	if opts.Mode == ImportAllOrNothing || opts.Bulk {
		// One transaction: every row is checked against the database as it
		// would be stored (duplicates within the file included), and all of
		// it is rolled back when one row is invalid (all_or_nothing).
		err := s.db.InBulkTx(ctx, func(tx *db.Tx) error {
			var rebuild func() error
			if opts.Bulk {
				var err error
				var restore func()
				rebuild, restore, err = deferIndexes(ctx, tx)
				defer restore()
				if err != nil {
					return err
				}
			}
			for !eof {
				if err := batch(tx); err != nil {
					return err
				}
				if opts.Progress != nil {
					opts.Progress(res.Rows, offset)
				}
			}
			if res.Invalid > 0 && opts.Mode == ImportAllOrNothing {
				return errRollback
			}
			if rebuild != nil {
				return rebuild()
			}
			return nil
		})
		if err != nil && !errors.Is(err, errRollback) {
			return res, err
		}
		res.Stored = err == nil && res.Imported+res.Updated > 0
		if !res.Stored {
			res.Imported, res.Updated = 0, 0
		}
	} else {
		for !eof {
			before := res.Imported + res.Updated
			if err := s.db.InBulkTx(ctx, func(tx *db.Tx) error { return batch(tx) }); err != nil {
				st.reset()
				return res, err
			}
			if res.Imported+res.Updated > before {
				res.Stored = true
			}
			if opts.Progress != nil {
				opts.Progress(res.Rows, offset)
			}
		}
	}
	if rep != nil && res.Invalid > 0 {
		if err := rep.save(); err != nil {
			return res, err
		}
	}
	return res, nil
}

// readChunk is a chunk of read rows, or the error that ended reading.
type readChunk struct {
	rows   []chunkRow
	last   bool
	offset int64 // of the source after the chunk's rows
	err    error
}

// readChunks reads the rows after the header in chunks of n, parses them
// and seals the ID and phone numbers of the valid ones; it closes out at the
// end of the file, after an error, or when ctx ends.
func (s *Store) readChunks(ctx context.Context, src rowSource, header ledgerHeader, line, n int, out chan<- readChunk) {
	defer close(out)
	today := today(s.clock.Now())
	for {
		chunk := make([]chunkRow, 0, n)
		last := false
		for len(chunk) < n {
			if ctx.Err() != nil {
				return
			}
			raw, err := src.next()
			if err == io.EOF {
				last = true
				break
			}
			line++
			if err != nil {
				select {
				case out <- readChunk{err: readError(err)}:
				case <-ctx.Done():
				}
				return
			}
			if blank(raw) {
				continue
			}
			row, problems := parseLedgerRow(header, raw, today)
			c := chunkRow{line: line, raw: raw, row: row, problems: problems}
			if len(problems) == 0 && row.Kind == personRow {
				if c.seal, err = s.sealID(row.ID.typ, row.ID.number); err == nil {
					c.phone, err = s.sealPhone(row.Phone)
				}
				if err != nil {
					select {
					case out <- readChunk{err: err}:
					case <-ctx.Done():
					}
					return
				}
				c.full, c.inits = namePinyin(row.Name)
			}
			chunk = append(chunk, c)
		}
		select {
		case out <- readChunk{rows: chunk, last: last, offset: src.offset()}:
		case <-ctx.Done():
			return
		}
		if last {
			return
		}
	}
}

func readError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errs.Field("file", "csv", fmt.Sprintf("the CSV cannot be read at line %d: %v", pe.Line, pe.Err), fmt.Sprintf("CSV 文件第 %d 行无法读取：%v", pe.Line, pe.Err))
	}
	return err
}

func blank(raw []string) bool {
	for _, c := range raw {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// importState resolves buildings, houses and households once per import.
type importState struct {
	s         *Store
	p         *access.Principal
	area      string
	a         actor
	buildings map[string]*bldRef
	houses    map[houseKey]*houseRef
	tags      map[string]int64
	hist      []histRow       // buffered registry_history rows
	known     map[string]bool // ID blind indexes on record or stored in this chunk
	queue     pending         // new-person records to write at the end of the chunk
	// grams are the address bigrams known to be stored per building, so
	// that a new house adds only the ones its building lacks.
	grams map[int64]map[[2]rune]bool
	areas map[string]*errs.Error // microgrid codes of the rows, checked: nil when the caller may create buildings there
}

// histRow is a buffered registry_history row of the import's actor.
// Records queued in a chunk have their id, and some values, only once the
// chunk is written: id is then a *int64, to a lazy.
type histRow struct {
	area, entity, field string
	id                  any // int64 or *int64
	from                *string
	to                  any // *string or lazy
}

// record buffers the history rows of one record; flush writes them.
func (st *importState) record(entity string, id int64, areaCode string, d diff) {
	for _, c := range d {
		st.hist = append(st.hist, histRow{area: areaCode, entity: entity, field: c.field, id: id, from: c.from, to: c.to})
	}
}

// flush writes the buffered history with multi-row inserts.
func (st *importState) flush(ctx context.Context, tx *db.Tx) error {
	// Who, how and when are the same for every row: boxed once.
	who, name, channel, at := any(st.a.userID), any(st.a.name), any(string(st.a.channel)), any(db.Millis(st.a.at))
	rows := make([]any, 0, len(st.hist)*histCols)
	for _, h := range st.hist {
		id, to := h.id, h.to
		if p, ok := id.(*int64); ok {
			id = *p
		}
		if f, ok := to.(lazy); ok {
			to = f()
		}
		rows = append(rows, h.area, h.entity, id, h.field, h.from, to, who, name, channel, at)
	}
	st.hist = st.hist[:0]
	return insertRows(ctx, tx, `INSERT INTO registry_history (area_code, entity, entity_id, field, from_value, to_value, actor_user_id, actor_name, channel, at)`,
		histCols, rows, ``, nil)
}

const histCols = 10

type bldRef struct {
	id             int64
	area, addr, nm string
	outside        bool
}

type houseKey struct {
	building   int64
	unit, room string
}

type houseRef struct {
	id, household int64
	area          string
	head          int64
	// members of a household queued in this chunk, for its "created"
	// history row (which then stands for their membership rows).
	members []string
}

func (s *Store) newImportState(ctx context.Context, p *access.Principal, areaCode string) (*importState, error) {
	areaCode = compact(areaCode)
	if areaCode == "" {
		if sc := p.ScopeFor(access.RegistryWrite); !sc.All && len(sc.Prefixes) == 1 && len(sc.Prefixes[0]) == area.Microgrid.Width() {
			areaCode = sc.Prefixes[0]
		}
	}
	if areaCode != "" {
		if err := s.checkMicrogrid(ctx, s.db, p, areaCode); err != nil {
			return nil, err
		}
	}
	st := &importState{s: s, p: p, area: areaCode, tags: map[string]int64{}, areas: map[string]*errs.Error{}}
	st.reset()
	rows, err := s.db.QueryContext(ctx, `SELECT id, code, name FROM tags WHERE active = 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var code, name string
		if err := rows.Scan(&id, &code, &name); err != nil {
			return nil, err
		}
		st.tags[code], st.tags[compact(name)] = id, id
	}
	return st, rows.Err()
}

// reset forgets the caches (after a rolled-back transaction).
func (st *importState) reset() {
	st.buildings = map[string]*bldRef{}
	st.houses = map[houseKey]*houseRef{}
	st.grams = map[int64]map[[2]rune]bool{}
	st.hist = st.hist[:0]
	st.queue = pending{}
}

// cacheHouses bounds the import's caches: past it they start afresh (the
// next chunk looks up what it needs), so memory does not grow with the file.
const cacheHouses = 20_000

func (st *importState) begin(ctx context.Context, tx *db.Tx) error {
	if len(st.houses) > cacheHouses || len(st.buildings) > cacheHouses || len(st.grams) > cacheHouses {
		st.buildings = map[string]*bldRef{}
		st.houses = map[houseKey]*houseRef{}
		st.grams = map[int64]map[[2]rune]bool{}
	}
	a, err := st.s.actor(ctx, tx, ChannelImport)
	st.a = a
	return err
}

// placeOf finds the row's building where the caller may write; when it is
// not on record, newArea is the microgrid it is to be created in — the
// row's own (微网格编码) or the import's. A building outside the caller's
// scope, or a new one without a microgrid the caller may write in, is a
// problem of the row. Nothing is written.
func (st *importState) placeOf(ctx context.Context, tx *db.Tx, r ledgerRow) (b *bldRef, newArea string, problems []RowProblem, err error) {
	b, err = st.building(ctx, tx, r.buildingKey())
	if err != nil {
		return nil, "", nil, err
	}
	if b.outside {
		return nil, "", scopeProblem("building " + r.buildingKey()), nil
	}
	if b.id != 0 {
		return b, "", nil, nil
	}
	code := r.AreaCode
	if code == "" {
		code = st.area
	}
	if code == "" {
		return nil, "", []RowProblem{{Column: "楼栋地址", Rule: "area", Detail: "building " + r.buildingKey() + " is not on record; give its microgrid code (微网格编码) or choose the microgrid (area) where new buildings go",
			DetailZH: "楼栋 " + r.buildingKey() + " 尚未登记，请填写微网格编码，或选择新建楼栋所在的微网格（area）"}}, nil
	}
	if code == st.area {
		return b, code, nil, nil
	}
	bad, ok := st.areas[code]
	if !ok {
		err := st.s.checkMicrogrid(ctx, tx, st.p, code)
		var e *errs.Error
		if err != nil && !errors.As(err, &e) {
			return nil, "", nil, err
		}
		st.areas[code] = e
		bad = e
	}
	if bad != nil {
		detail, detailZH := bad.Detail, bad.DetailZH
		if len(bad.Fields) > 0 {
			detail, detailZH = bad.Fields[0].Detail, bad.Fields[0].DetailZH
		}
		return nil, "", []RowProblem{{Column: "微网格编码", Rule: "area", Detail: detail, DetailZH: detailZH}}, nil
	}
	return b, code, nil, nil
}

// createBuilding stores the row's building, not on record, in microgrid
// areaCode.
func (st *importState) createBuilding(ctx context.Context, tx *db.Tx, b *bldRef, r ledgerRow, areaCode string) error {
	now := db.Millis(st.a.at)
	if err := tx.QueryRowContext(ctx, `INSERT INTO buildings (area_code, name, address, lng, lat, floors, units, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		areaCode, r.BuildingName, r.BuildingAddress, r.Lng, r.Lat, intOr0(r.Floors), intOr0(r.Units), now, now).Scan(&b.id); err != nil {
		return err
	}
	b.area, b.addr, b.nm = areaCode, r.BuildingAddress, r.BuildingName
	label := composeAddress(Building{Address: b.addr, Name: b.nm}, "", "")
	st.record("building", b.id, b.area, diff{{field: "created", to: &label}})
	return nil
}

// createHouse stores the row's house, not on record, in building b.
func (st *importState) createHouse(ctx context.Context, tx *db.Tx, b *bldRef, h *houseRef, r ledgerRow) error {
	now := db.Millis(st.a.at)
	addr := composeAddress(Building{Address: b.addr, Name: b.nm}, r.Unit, r.Room)
	usage := r.Usage
	if usage == "" {
		usage = "other"
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO houses (building_id, area_code, unit, floor, room, address, usage, floor_area_dm2, owner_name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, b.id, b.area, r.Unit, r.Floor, r.Room, addr, usage, r.FloorArea, r.OwnerName, now, now).Scan(&h.id); err != nil {
		return err
	}
	h.area = b.area
	if err := indexAddress(ctx, tx, b.id, addr); err != nil {
		return err
	}
	st.record("house", h.id, h.area, diff{{field: "created", to: &addr}})
	st.houses[houseKey{b.id, r.Unit, r.Room}] = h
	return nil
}

func intOr0(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

// writePlace stores a row without a person: its building, and its house
// unless the row names no room — created when not on record, otherwise
// updated with what the row gives (usage, floor, floor area, owner; floors,
// units, location), with field-level history. created tells whether the row
// made the record it describes.
func (st *importState) writePlace(ctx context.Context, tx *db.Tx, r ledgerRow) (created bool, problems []RowProblem, err error) {
	b, newArea, problems, err := st.placeOf(ctx, tx, r)
	if err != nil || problems != nil {
		return false, problems, err
	}
	// Updates write their history at once: the buffered rows go first, so
	// that history stays in order.
	if err := st.flush(ctx, tx); err != nil {
		return false, nil, err
	}
	if b.id == 0 {
		if err := st.createBuilding(ctx, tx, b, r, newArea); err != nil {
			return false, nil, err
		}
		created = r.Kind == buildingRow
	} else if r.Floors != nil || r.Units != nil || r.Lng != nil {
		cur, err := st.s.building(ctx, tx, b.id)
		if err != nil {
			return false, nil, err
		}
		if err := updateBuilding(ctx, tx, st.a, cur, BuildingPatch{Floors: r.Floors, Units: r.Units, Lng: r.Lng, Lat: r.Lat}); err != nil {
			return false, nil, err
		}
	}
	if r.Kind == buildingRow {
		return created, nil, nil
	}
	h, err := st.house(ctx, tx, b, r)
	if err != nil {
		return false, nil, err
	}
	if h.id == 0 {
		return true, nil, st.createHouse(ctx, tx, b, h, r)
	}
	var c HousePatch
	if r.Usage != "" {
		c.Usage = &r.Usage
	}
	if r.FloorArea != nil {
		a := formatFloorArea(*r.FloorArea)
		c.FloorArea = &a
	}
	if r.OwnerName != "" {
		c.OwnerName = &r.OwnerName
	}
	c.Floor = r.Floor
	if c == (HousePatch{}) {
		return false, nil, nil
	}
	cur, err := st.s.house(ctx, tx, h.id)
	if err != nil {
		return false, nil, err
	}
	return false, nil, updateHouse(ctx, tx, st.a, cur, c)
}

func scopeProblem(what string) []RowProblem {
	return []RowProblem{{Column: "楼栋地址", Rule: "scope", Detail: what + " lies outside your area", DetailZH: what + "不在您的管辖范围内"}}
}

// building finds a building by address (or address and name) where the
// caller may write; it is created later, when the row is written.
func (st *importState) building(ctx context.Context, tx *db.Tx, addr string) (*bldRef, error) {
	if b, ok := st.buildings[addr]; ok {
		return b, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, area_code, address, name FROM buildings WHERE address = ? OR address || name = ? ORDER BY id`, addr, addr)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	b := &bldRef{addr: addr}
	found := false
	for rows.Next() {
		var c bldRef
		if err := rows.Scan(&c.id, &c.area, &c.addr, &c.nm); err != nil {
			return nil, err
		}
		found = true
		if st.p.CanAt(access.RegistryWrite, c.area) {
			*b = c
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if found && b.id == 0 {
		b.outside = true
	}
	st.buildings[addr] = b
	return b, nil
}

func (st *importState) house(ctx context.Context, tx *db.Tx, b *bldRef, r ledgerRow) (*houseRef, error) {
	k := houseKey{b.id, r.Unit, r.Room}
	if h, ok := st.houses[k]; ok {
		return h, nil
	}
	if b.id == 0 {
		return &houseRef{}, nil
	}
	h := &houseRef{}
	err := tx.QueryRowContext(ctx, `SELECT id, area_code FROM houses WHERE building_id = ? AND unit = ? AND room = ?`, b.id, r.Unit, r.Room).Scan(&h.id, &h.area)
	if isNoRows(err) {
		return h, nil
	}
	if err != nil {
		return nil, err
	}
	var head sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT id, head_person_id FROM households WHERE house_id = ? AND closed_at IS NULL ORDER BY id LIMIT 1`, h.id).Scan(&h.household, &head)
	if err != nil && !isNoRows(err) {
		return nil, err
	}
	h.head = head.Int64
	st.houses[k] = h
	return h, nil
}

// existing is what the import needs of a person already on record.
type existing struct {
	id                                  int64
	area, name, phoneIndex, phoneMasked string
	ethnicity, residence, hukou, origin string
	movedIn                             sql.NullString
	status                              string
	household                           sql.NullInt64
}

// write stores one valid row: building, house and household as needed, the
// person (new, or the one on record with this ID number, updated) and their
// membership. It reports rather than stores what the caller may not do.
func (st *importState) write(ctx context.Context, tx *db.Tx, r ledgerRow) (updated bool, problems []RowProblem, err error) {
	b, newArea, problems, err := st.placeOf(ctx, tx, r)
	if err != nil || problems != nil {
		return false, problems, err
	}
	h, err := st.house(ctx, tx, b, r)
	if err != nil {
		return false, nil, err
	}
	seal, err := st.s.sealID(r.ID.typ, r.ID.number)
	if err != nil {
		return false, nil, err
	}
	var cur existing
	err = tx.QueryRowContext(ctx, `SELECT id, area_code, name, COALESCE(phone_index, ''), phone_masked, ethnicity, residence_type, hukou_address, origin, moved_in_on, status, household_id
		FROM persons WHERE id_index = ?`, seal.index).Scan(&cur.id, &cur.area, &cur.name, &cur.phoneIndex, &cur.phoneMasked, &cur.ethnicity, &cur.residence, &cur.hukou, &cur.origin, &cur.movedIn, &cur.status, &cur.household)
	if err != nil && !isNoRows(err) {
		return false, nil, err
	}
	if cur.id != 0 {
		if !st.p.CanAt(access.RegistryWrite, cur.area) {
			// Like personExists: neither the place nor the record is named.
			return false, []RowProblem{{Column: "证件号码", Rule: "unique", Detail: "a person with this ID number is already registered elsewhere; ask the governance centre to move the record here",
				DetailZH: "该证件号码已在其他地方登记，请联系街道社会治理中心办理迁入"}}, nil
		}
		if cur.status == "deceased" {
			return false, []RowProblem{{Column: "证件号码", Rule: "status", Detail: "the person with this ID number is recorded as deceased", DetailZH: "该证件号码的人员已登记为死亡"}}, nil
		}
		if cur.household.Valid && cur.household.Int64 != h.household {
			return false, []RowProblem{{Column: "楼栋地址", Rule: "one_household", Detail: fmt.Sprintf("%s (person %d) already belongs to another household; record the move out of it first", cur.name, cur.id),
				DetailZH: fmt.Sprintf("%s（人员 %d）已在其他户中，请先办理迁出", cur.name, cur.id)}}, nil
		}
	}
	joining := !cur.household.Valid
	if joining && r.Relationship == "head" && h.head != 0 && h.head != cur.id {
		return false, []RowProblem{{Column: "与户主关系", Rule: "one_head", Detail: "the household already has a head", DetailZH: "该户已有户主，一户只能有一名户主"}}, nil
	}
	var tagIDs []int64
	for _, t := range r.Tags {
		id, ok := st.tags[compact(t)]
		if !ok {
			return false, []RowProblem{{Column: "标签(用、分隔)", Rule: "exists", Detail: "unknown tag " + t, DetailZH: "标签 " + t + " 不存在"}}, nil
		}
		tagIDs = append(tagIDs, id)
	}
	// Everything checked: write.
	now := db.Millis(st.a.at)
	if b.id == 0 {
		if err := st.createBuilding(ctx, tx, b, r, newArea); err != nil {
			return false, nil, err
		}
		st.houses[houseKey{b.id, r.Unit, r.Room}] = h
	}
	if h.id == 0 {
		if err := st.createHouse(ctx, tx, b, h, r); err != nil {
			return false, nil, err
		}
	}
	if h.household == 0 {
		if err := tx.QueryRowContext(ctx, `INSERT INTO households (house_id, area_code, household_type, note, created_at, updated_at) VALUES (?, ?, 'family', '', ?, ?) RETURNING id`,
			h.id, h.area, now, now).Scan(&h.household); err != nil {
			return false, nil, err
		}
		label := r.BuildingAddress + " " + r.Unit + " " + r.Room
		st.record("household", h.household, h.area, diff{{field: "created", to: &label}})
	}
	phone, err := st.s.sealPhone(r.Phone)
	if err != nil {
		return false, nil, err
	}
	origin := ""
	if r.ResidenceType == "new_citizen" {
		origin = r.HukouAddress
	}
	personID := cur.id
	var d diff
	if cur.id == 0 {
		full, initials := namePinyin(r.Name)
		if err := tx.QueryRowContext(ctx, `INSERT INTO persons (area_code, household_id, name, name_pinyin, name_initials, id_type, id_enc, id_index, id_masked, gender, birth_date,
			phone_enc, phone_index, phone_masked, ethnicity, residence_type, hukou_address, moved_in_on, status, origin, created_at, updated_at,
			created_channel, created_by, created_by_name)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'living', ?, ?, ?, ?, ?, ?) RETURNING id`,
			h.area, h.household, r.Name, full, initials, r.ID.typ, seal.enc, argOf(seal.index), seal.masked, r.ID.gender, argOf(r.ID.birth),
			phone.enc, argOf(phone.index), phone.masked, r.Ethnicity, r.ResidenceType, r.HukouAddress, argOf(r.MovedInOn), origin, now, now,
			string(st.a.channel), st.a.userID, st.a.name).Scan(&personID); err != nil {
			return false, nil, err
		}
	} else {
		updated = true
		next := cur
		set := func(field string, dst *string, to string) {
			if to != "" && to != *dst {
				d.str(field, *dst, to)
				*dst = to
			}
		}
		set("name", &next.name, r.Name)
		set("ethnicity", &next.ethnicity, r.Ethnicity)
		set("residence_type", &next.residence, r.ResidenceType)
		set("hukou_address", &next.hukou, r.HukouAddress)
		set("origin", &next.origin, origin)
		if r.MovedInOn != "" && (!cur.movedIn.Valid || cur.movedIn.String != r.MovedInOn) {
			d.add("moved_in_on", nullStr(cur.movedIn), &r.MovedInOn)
			next.movedIn = sql.NullString{String: r.MovedInOn, Valid: true}
		}
		phoneArgs := []any{cur.phoneIndex} // unchanged: a no-op assignment below
		phoneSQL := `phone_index = phone_index`
		if phone.index != "" && phone.index != cur.phoneIndex {
			d.str("phone", cur.phoneMasked, phone.masked)
			phoneSQL, phoneArgs = `phone_enc = ?, phone_index = ?, phone_masked = ?`, []any{phone.enc, phone.index, phone.masked}
		}
		if joining {
			d.add("household_id", nil, idStr(&h.household))
			d.str("relationship", "", r.Relationship)
			d.str("area_code", cur.area, h.area)
			d.str("status", cur.status, "living")
		}
		if len(d) > 0 {
			full, initials := namePinyin(next.name)
			args := []any{next.name, full, initials, next.ethnicity, next.residence, next.hukou, next.origin, nullStr(next.movedIn), h.area, h.household, now}
			q := `UPDATE persons SET name = ?, name_pinyin = ?, name_initials = ?, ethnicity = ?, residence_type = ?, hukou_address = ?, origin = ?, moved_in_on = ?,
				area_code = ?, household_id = ?, status = 'living', updated_at = ?, ` + phoneSQL + ` WHERE id = ?`
			if phoneSQL == `phone_index = phone_index` {
				phoneArgs = nil
			}
			if _, err := tx.ExecContext(ctx, q, append(append(args, phoneArgs...), cur.id)...); err != nil {
				return false, nil, err
			}
			if joining && cur.area != h.area {
				if _, err := tx.ExecContext(ctx, `UPDATE person_tags SET area_code = ? WHERE person_id = ?`, h.area, cur.id); err != nil {
					return false, nil, err
				}
			}
		}
	}
	if joining {
		joined := r.MovedInOn
		if joined == "" {
			joined = today(st.a.at)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO household_members (household_id, person_id, area_code, relationship, joined_on, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			h.household, personID, h.area, r.Relationship, joined, now); err != nil {
			return false, nil, err
		}
		hd := diff{{field: "member", to: memberLabel(r.Name, personID, r.Relationship)}}
		if r.Relationship == "head" {
			if _, err := tx.ExecContext(ctx, `UPDATE households SET head_person_id = ?, updated_at = ? WHERE id = ?`, personID, now, h.household); err != nil {
				return false, nil, err
			}
			h.head = personID
			hd.add("head_person_id", nil, idStr(&personID))
		}
		st.record("household", h.household, h.area, hd)
	}
	var added []string
	for i, t := range tagIDs {
		res, err := tx.ExecContext(ctx, `INSERT INTO person_tags (person_id, tag_id, area_code, added_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, personID, t, h.area, now)
		if err != nil {
			return false, nil, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added = append(added, r.Tags[i])
		}
	}
	if len(added) > 0 {
		d.str("tags", "", strings.Join(added, "、"))
	}
	st.record("person", personID, h.area, d)
	return updated, nil, nil
}

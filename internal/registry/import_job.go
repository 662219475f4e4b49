package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"os"
	"time"

	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
	"github.com/tongxin/tongxin/internal/platform/httpapi"
)

// Import job states.
const (
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

// ImportJob is one ledger upload. While it runs, rows and bytes_read grow
// and percent says how much of the file has been read (for a workbook, the
// share of its rows, when the sheet records its length as Excel and WPS do;
// otherwise percent stays null). When it is
// done, result holds the outcome — in all_or_nothing mode with invalid rows,
// stored is false and nothing went in; when it failed (an unreadable file,
// missing columns, a restart), problem says why.
type ImportJob struct {
	ID         string           `json:"id"`
	FileName   string           `json:"file_name"`
	Mode       ImportMode       `json:"mode"`
	Area       string           `json:"area,omitempty"`
	State      string           `json:"state"`
	Rows       int              `json:"rows"`
	BytesRead  int64            `json:"bytes_read"`
	BytesTotal int64            `json:"bytes_total"`
	Percent    *int             `json:"percent"`
	Result     *ImportResult    `json:"result,omitempty"`
	Problem    *httpapi.Problem `json:"problem,omitempty"`
	ReportURL  string           `json:"report_url,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
	FinishedAt *time.Time       `json:"finished_at"`
	reportPath string           `json:"-"`
	userID     int64            `json:"-"`
}

// ImportJobList is a user's recent imports, newest first.
type ImportJobList struct {
	Items []ImportJob `json:"items"`
}

func reportURL(token string) string { return "/api/v1/registry/import/" + token + "/report.xlsx" }

// startJob records a running import.
func (s *Store) startJob(ctx context.Context, j *ImportJob) error {
	j.State = JobRunning
	j.CreatedAt = s.clock.Now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO import_jobs (token, user_id, file_name, mode, area_code, state, bytes_total, created_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?)`,
		j.ID, j.userID, j.FileName, string(j.Mode), j.Area, j.BytesTotal, db.Millis(j.CreatedAt), db.Millis(j.CreatedAt))
	return err
}

// Heartbeats of running imports on PostgreSQL, where replicas share the
// database: every jobHeartbeat a running import records its progress and
// the time; one whose last beat is older than jobStale was interrupted.
const (
	jobHeartbeat = 15 * time.Second
	jobStale     = 90 * time.Second
)

// beat records that a running job is alive, with its progress so far.
func (s *Store) beat(ctx context.Context, token string, rows int, bytes int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE import_jobs SET heartbeat_at = ?, rows_read = ?, bytes_read = ? WHERE token = ? AND state = 'running'`,
		db.Millis(s.clock.Now()), rows, bytes, token)
	return err
}

// finishJob records the outcome of an import: its result, or the problem
// that ended it.
func (s *Store) finishJob(ctx context.Context, j *ImportJob, res ImportResult, failure error) error {
	now := s.clock.Now()
	j.FinishedAt = &now
	j.Rows = res.Rows
	var result, problem any
	if failure != nil {
		j.State = JobFailed
		p := httpapi.ProblemOf(failure)
		j.Problem = &p
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		problem = string(b)
	} else {
		j.State = JobDone
		j.Result = &res
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		result = string(b)
	}
	if j.State == JobDone && res.Invalid > 0 {
		j.ReportURL = res.ReportURL
	} else {
		j.reportPath = ""
	}
	_, err := s.db.ExecContext(context.WithoutCancel(ctx), `UPDATE import_jobs SET state = ?, rows_read = ?, result = ?, problem = ?, report_path = ?, finished_at = ? WHERE token = ?`,
		j.State, j.Rows, result, problem, j.reportPath, db.Millis(now), j.ID)
	return err
}

var errJobNotFound = errs.NotFoundf("import", "导入任务")

const jobCols = `token, user_id, file_name, mode, area_code, state, bytes_total, rows_read, bytes_read, result, problem, report_path, created_at, finished_at`

func scanJob(sc interface{ Scan(...any) error }) (ImportJob, error) {
	var j ImportJob
	var mode string
	var result, problem sql.NullString
	var created int64
	var finished sql.NullInt64
	if err := sc.Scan(&j.ID, &j.userID, &j.FileName, &mode, &j.Area, &j.State, &j.BytesTotal, &j.Rows, &j.BytesRead, &result, &problem, &j.reportPath, &created, &finished); err != nil {
		return j, err
	}
	j.Mode = ImportMode(mode)
	j.CreatedAt = db.Time(created)
	if finished.Valid {
		t := db.Time(finished.Int64)
		j.FinishedAt = &t
	}
	if result.Valid {
		var r ImportResult
		if err := json.Unmarshal([]byte(result.String), &r); err != nil {
			return j, err
		}
		j.Result = &r
		if r.Invalid > 0 && j.reportPath != "" {
			j.ReportURL = reportURL(j.ID)
		}
	}
	if problem.Valid {
		var p httpapi.Problem
		if err := json.Unmarshal([]byte(problem.String), &p); err != nil {
			return j, err
		}
		j.Problem = &p
	}
	return j, nil
}

// job reads an import job of the user; another user's is not found.
func (s *Store) job(ctx context.Context, token string, userID int64) (ImportJob, error) {
	j, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobCols+` FROM import_jobs WHERE token = ?`, token))
	if errors.Is(err, sql.ErrNoRows) || err == nil && j.userID != userID {
		return ImportJob{}, errJobNotFound
	}
	return j, err
}

// jobs lists the user's last imports, newest first.
func (s *Store) jobs(ctx context.Context, userID int64, limit int) ([]ImportJob, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobCols+` FROM import_jobs WHERE user_id = ? ORDER BY id DESC LIMIT ?`, userID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ImportJob{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// InterruptedJobs marks as failed the imports that no process runs any more
// (stopped by a restart: in all_or_nothing mode nothing of them was stored,
// in valid_rows mode the chunks committed before the stop were) and returns
// how many there were. On SQLite one process owns the database, so at its
// start every import still marked running was interrupted; the server calls
// it then, before it takes uploads. On PostgreSQL replicas share the
// database: only imports whose heartbeat stopped more than jobStale ago
// were, and the server also calls it every minute.
func (s *Store) InterruptedJobs(ctx context.Context) (int, error) {
	p := httpapi.ProblemOf(errs.E(errs.Conflict, "import_interrupted",
		"the import was interrupted by a restart of the server; in valid_rows mode the rows counted were stored, in all_or_nothing mode nothing was; import the file again",
		"导入因服务器重启而中断：“仅导入有效行”模式下已计数的行已保存，“全部或全不”模式下未保存任何数据；请重新导入该文件"))
	b, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	now := s.clock.Now()
	var before int64 = math.MaxInt64 // every running job
	if s.db.Dialect() == db.Postgres {
		before = db.Millis(now.Add(-jobStale))
	}
	r, err := s.db.ExecContext(ctx, `UPDATE import_jobs SET state = 'failed', problem = ?, finished_at = ? WHERE state = 'running' AND heartbeat_at < ?`,
		string(b), db.Millis(now), before)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// sweepReports deletes the error reports of imports started before cutoff.
func (s *Store) sweepReports(ctx context.Context, cutoff time.Time) error {
	rows, err := s.db.QueryContext(ctx, `SELECT token, report_path FROM import_jobs WHERE report_path <> '' AND created_at < ?`, db.Millis(cutoff))
	if err != nil {
		return err
	}
	var tokens []any
	var paths []string
	for rows.Next() {
		var t, p string
		if err := rows.Scan(&t, &p); err != nil {
			rows.Close()
			return err
		}
		tokens, paths = append(tokens, t), append(paths, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for len(tokens) > 0 {
		g := tokens[:min(len(tokens), 256)]
		tokens = tokens[len(g):]
		if _, err := s.db.ExecContext(ctx, `UPDATE import_jobs SET report_path = '' WHERE token IN `+inClause(len(g)), g...); err != nil {
			return err
		}
	}
	for _, p := range paths {
		_ = os.Remove(p)
	}
	return nil
}

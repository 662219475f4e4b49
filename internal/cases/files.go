package cases

import (
	"context"
	"io"

	"github.com/tongxin/tongxin/internal/access"
	"github.com/tongxin/tongxin/internal/attach"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/errs"
)

// Attach stores a photo or file on a visible case (optionally on one of its
// timeline steps) and notes it in the timeline, in one transaction. The same
// file sent again to the same case returns the first attachment, so an
// upload retried by an app that lost the answer is stored once. Anyone
// who can see a case may add evidence to it while it is open; closed cases
// take none.
func (s *Store) Attach(ctx context.Context, c *Case, eventID *int64, filename string, body io.Reader) (attach.Attachment, error) {
	if stateIn(c.State, []State{Rejected, Merged, Closed}) {
		return attach.Attachment{}, errs.E(errs.Conflict, "case_closed", "a finished case takes no more attachments", "已办结的事件不能再添加附件")
	}
	if eventID != nil {
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_events WHERE id = ? AND case_id = ?`, *eventID, c.ID).Scan(&n); err != nil || n == 0 {
			return attach.Attachment{}, errs.Field("event_id", "exists", "event_id is not a step of this case", "event_id 不是该事件的处理步骤")
		}
	}
	p := access.From(ctx)
	// Evidence comes from those who report or handle cases; seeing a case
	// (a leader, a volunteer manager) is not enough to add to it.
	if !p.Can(access.CasesReport) && !p.Can(access.CasesHandle) && !p.Can(access.CasesDispatch) {
		return attach.Attachment{}, errs.E(errs.Forbidden, "forbidden", "only those who report or handle cases may attach files", "只有上报或处置事件的人员可以添加附件")
	}
	// Read and check the upload before taking the writer: a slow phone link
	// must not hold SQLite's only write connection.
	st, err := s.files.Stage(ctx, filename, body)
	if err != nil {
		return attach.Attachment{}, err
	}
	defer st.Discard()
	if a, found, err := s.files.Existing(ctx, c.ID, st.SHA256()); err != nil || found {
		return a, err
	}
	var a attach.Attachment
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		a, err = st.Insert(ctx, tx, attach.Owner{CaseID: c.ID, EventID: eventID, AreaCode: c.AreaCode, UploadedBy: p.UserID})
		if err != nil {
			return err
		}
		actor, err := actorName(ctx, tx, p)
		if err != nil {
			return err
		}
		_, err = appendEvent(ctx, tx, c.ID, c.AreaCode, s.clock.Now(), p, actor, "attach", &c.State, c.State, c.Level, a.Filename,
			map[string]any{"attachment_id": a.ID, "content_type": a.ContentType})
		return err
	})
	return a, err
}

// Package cases is closed-loop case handling (DESIGN §5.2): intake from every
// channel, placement in the microgrid, dispatch, handling, escalation across
// levels, deadlines on the working-time calendar, overdue supervision (督办),
// verification, the reporter's rating, and the figures that follow. Every
// state change appends a timeline event; nothing is updated without one.
package cases

import (
	"encoding/json"
	"time"

	"github.com/tongxin/tongxin/internal/attach"
)

// State is where a case stands.
type State string

const (
	Reported   State = "reported"
	Accepted   State = "accepted"
	Rejected   State = "rejected"
	Merged     State = "merged"
	Dispatched State = "dispatched"
	InProgress State = "in_progress"
	Resolved   State = "resolved"
	Closed     State = "closed"
	Reopened   State = "reopened"
	Suspended  State = "suspended"
)

// Level is who handles a case: the grid, the community, the subdistrict or
// a department beyond it.
type Level string

const (
	LevelGrid        Level = "grid"
	LevelCommunity   Level = "community"
	LevelSubdistrict Level = "subdistrict"
	LevelDepartment  Level = "department"
)

var levels = []Level{LevelGrid, LevelCommunity, LevelSubdistrict, LevelDepartment}

func (l Level) rank() int {
	for i, x := range levels {
		if x == l {
			return i
		}
	}
	return -1
}

// Valid reports whether l is a known level.
func (l Level) Valid() bool { return l.rank() >= 0 }

func (l Level) up() Level {
	if r := l.rank(); r >= 0 && r+1 < len(levels) {
		return levels[r+1]
	}
	return ""
}

func (l Level) down() Level {
	if r := l.rank(); r > 0 {
		return levels[r-1]
	}
	return ""
}

// Channel is where a report came from.
type Channel string

var channels = map[Channel]bool{"console": true, "hotline": true, "app": true, "resident": true, "enterprise": true, "open311": true}

// Rating is the reporter's verdict.
type Rating string

var ratings = map[Rating]bool{"satisfied": true, "basic": true, "unsatisfied": true}

// Summary is a case as listed.
type Summary struct {
	ID            int64      `json:"id"`
	Token         string     `json:"token"`
	Title         string     `json:"title"`
	State         State      `json:"state"`
	Level         Level      `json:"level"`
	Channel       Channel    `json:"channel"`
	CategoryID    int64      `json:"category_id"`
	CategoryName  string     `json:"category_name"`
	AreaCode      string     `json:"area_code"`
	AreaName      string     `json:"area_name"`
	CommunityName string     `json:"community_name"`
	Lng           *float64   `json:"lng"`
	Lat           *float64   `json:"lat"`
	Address       string     `json:"address"`
	Overdue       bool       `json:"overdue"`
	ReportedAt    time.Time  `json:"reported_at"`
	ResolveDueAt  *time.Time `json:"resolve_due_at"`
	AssigneeName  string     `json:"assignee_name"`
	Rating        *Rating    `json:"rating"`
}

// Case is the whole record with its timeline.
type Case struct {
	Summary
	Description         string              `json:"description"`
	MaxLevel            Level               `json:"max_level"`
	ClosedLevel         *Level              `json:"closed_level"`
	Escalations         int                 `json:"escalations"`
	ReporterUserID      *int64              `json:"-"`
	ReporterName        string              `json:"reporter_name"`
	ReporterPhoneMasked string              `json:"reporter_phone_masked"`
	AssigneeUserID      *int64              `json:"assignee_user_id"`
	AssigneeUnitID      *int64              `json:"assignee_unit_id"`
	AssigneeUnitName    string              `json:"assignee_unit_name"`
	Extra               json.RawMessage     `json:"extra"`
	MediaURL            string              `json:"media_url,omitempty"`
	MergedIntoID        *int64              `json:"merged_into_id"`
	ResumeState         *State              `json:"-"`
	SuspendedAt         *time.Time          `json:"suspended_at"`
	AcceptDueAt         *time.Time          `json:"accept_due_at"`
	AcceptedAt          *time.Time          `json:"accepted_at"`
	ResolvedAt          *time.Time          `json:"resolved_at"`
	ClosedAt            *time.Time          `json:"closed_at"`
	RatedAt             *time.Time          `json:"rated_at"`
	UpdatedAt           time.Time           `json:"updated_at"`
	Category            *Category           `json:"category,omitempty"`
	AllowedActions      []Action            `json:"allowed_actions"`
	Timeline            []Event             `json:"timeline"`
	Attachments         []attach.Attachment `json:"attachments"`
	Duplicates          []Duplicate         `json:"duplicates,omitempty"` // offered at intake
}

// Event is one step of a case's timeline.
type Event struct {
	ID        int64           `json:"id"`
	At        time.Time       `json:"at"`
	ActorName string          `json:"actor_name"`
	Action    string          `json:"action"`
	FromState *State          `json:"from_state"`
	ToState   State           `json:"to_state"`
	Level     Level           `json:"level"`
	Note      string          `json:"note"`
	Data      json.RawMessage `json:"data"`
}

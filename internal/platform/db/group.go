package db

import (
	"context"
	"fmt"
	"sync"
)

// Group commits many small write jobs in shared transactions ("group
// commit"): while one transaction is being committed, arriving jobs queue,
// and the next transaction takes them all. When a job fails, the batch is
// rolled back and run again without it, so a failing job is undone alone
// and told its error (jobs must therefore be safe to run twice: plain writes
// that assume nothing about earlier attempts). A job returns only after the
// transaction holding it has committed — an acknowledged write is durable. This turns one fsync per request into one
// per batch, which is what lets SQLite's single writer take thousands of
// reports a second.
type Group struct {
	db       *DB
	maxBatch int
	jobs     chan *groupJob
	once     sync.Once
}

type groupJob struct {
	ctx  context.Context
	fn   func(tx *Tx) error
	done chan error
}

// Group returns the database's group committer.
func (db *DB) Group() *Group {
	db.groupOnce.Do(func() {
		db.group = &Group{db: db, maxBatch: 256, jobs: make(chan *groupJob, 4096)}
	})
	return db.group
}

// Do runs fn in a shared transaction and returns after it committed (nil)
// or fn's own error (its work rolled back), or the commit's error.
func (g *Group) Do(ctx context.Context, fn func(tx *Tx) error) error {
	g.once.Do(func() { go g.loop() })
	j := &groupJob{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case g.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued the job will run; wait for its outcome even if ctx ends,
	// so that the caller never reports failure for a committed write.
	return <-j.done
}

func (g *Group) loop() {
	for first := range g.jobs {
		batch := []*groupJob{first}
	collect:
		for len(batch) < g.maxBatch {
			select {
			case j := <-g.jobs:
				batch = append(batch, j)
			default:
				break collect
			}
		}
		g.run(batch)
	}
}

func (g *Group) run(batch []*groupJob) {
	ctx := context.Background()
	for len(batch) > 0 {
		failed := -1
		var failure error
		err := g.db.InTx(ctx, func(tx *Tx) error {
			for i, j := range batch {
				if err := j.ctx.Err(); err != nil {
					failed, failure = i, err
					return err
				}
				if err := j.fn(tx); err != nil {
					failed, failure = i, err
					return err
				}
			}
			return nil
		})
		if failed >= 0 {
			// Undo everything, tell the failing job, and redo the others.
			batch[failed].done <- failure
			batch = append(batch[:failed:failed], batch[failed+1:]...)
			continue
		}
		for _, j := range batch {
			if err != nil {
				j.done <- fmt.Errorf("group commit: %w", err)
			} else {
				j.done <- nil
			}
		}
		return
	}
}

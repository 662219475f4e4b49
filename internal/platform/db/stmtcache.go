package db

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// stmtCache keeps prepared statements by SQL text, so that a query run
// thousands of times a second is parsed once per connection, not each time
// (parsing was a fifth of the CPU of case intake on SQLite). Dynamic SQL
// beyond the cap simply runs unprepared.
type stmtCache struct {
	pool   *sql.DB
	mu     sync.RWMutex
	m      map[string]*sql.Stmt
	wanted map[string]bool // seen inside transactions, to prepare when a connection is free
}

const maxCachedStmts = 1024

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, m: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// peek returns a cached statement without preparing: inside a transaction
// on SQLite's single writer connection, preparing on the pool would wait for
// the connection the transaction holds. Misses are noted for prepareWanted.
func (c *stmtCache) peek(q string) *sql.Stmt {
	if !cacheable(q) {
		return nil
	}
	c.mu.RLock()
	st, ok := c.m[q]
	known := ok || c.wanted[q] || len(c.m)+len(c.wanted) >= maxCachedStmts
	c.mu.RUnlock()
	if !known {
		c.mu.Lock()
		c.wanted[q] = true
		c.mu.Unlock()
	}
	return st
}

// prepareWanted prepares the statements noted by peek; called when no
// transaction holds the writer.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	var qs []string
	for q := range c.wanted {
		qs = append(qs, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	// Prepare without holding the lock: a transaction that starts meanwhile
	// holds the connection and must be able to peek.
	for _, q := range qs {
		st, err := c.pool.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, dup := c.m[q]; dup || len(c.m) >= maxCachedStmts {
			st.Close()
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	if !cacheable(q) {
		return nil
	}
	c.mu.RLock()
	st, ok := c.m[q]
	n := len(c.m)
	c.mu.RUnlock()
	if ok || n >= maxCachedStmts {
		return st
	}
	st, err := c.pool.PrepareContext(ctx, q)
	if err != nil {
		return nil // let the plain call report the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[q]; ok {
		st.Close()
		return old
	}
	c.m[q] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = map[string]*sql.Stmt{}
}

// cacheable is false for SQLite's PRAGMA statements: a setting such as
// cache_size takes effect when the statement is prepared, so preparing one
// for later — on another connection, or after the transaction that ran it
// set something else — would change the setting behind the caller's back.
func cacheable(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n")
	return len(q) < 6 || !strings.EqualFold(q[:6], "PRAGMA")
}

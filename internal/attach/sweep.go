package attach

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Sweep removes what no row needs any more: files whose upload was rolled
// back with the caller's transaction (Save cannot know), their thumbnails,
// and temp files left by a crash. Only files untouched for longer than grace
// are considered (Save touches a file it links to), so an upload whose
// transaction is still open keeps its file; grace should exceed the longest
// transaction, an hour is plenty. File ages are wall-clock, as the file
// system keeps them. It returns how many files it removed.
func (s *Store) Sweep(ctx context.Context, grace time.Duration) (int, error) {
	cutoff := time.Now().Add(-grace)
	old := func(d fs.DirEntry) bool {
		fi, err := d.Info()
		return err == nil && fi.ModTime().Before(cutoff)
	}
	removed := 0
	var candidates []string // sha256 of old content files
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := d.Name()
		switch {
		case strings.HasPrefix(name, ".upload-") || strings.HasPrefix(name, ".thumb-"):
			if old(d) && os.Remove(p) == nil {
				removed++
			}
		case validSum(name) && old(d):
			candidates = append(candidates, name)
		}
		return nil
	})
	if err != nil {
		return removed, err
	}
	for len(candidates) > 0 {
		chunk := candidates[:min(len(candidates), listChunk)]
		candidates = candidates[len(chunk):]
		used, err := s.referenced(ctx, chunk)
		if err != nil {
			return removed, err
		}
		for _, sum := range chunk {
			if used[sum] || s.busy(sum) {
				continue
			}
			p := filepath.Join(s.dir, filepath.FromSlash(storageKey(sum)))
			if fi, err := os.Stat(p); err != nil || !fi.ModTime().Before(cutoff) {
				continue // linked again meanwhile
			}
			if os.Remove(p) == nil {
				removed++
			}
			if os.Remove(p+thumbSuffix) == nil {
				removed++
			}
		}
	}
	return removed, nil
}

// referenced reports which of sums some row still names.
func (s *Store) referenced(ctx context.Context, sums []string) (map[string]bool, error) {
	args := make([]any, len(sums))
	for i, v := range sums {
		args[i] = v
	}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT sha256 FROM attachments WHERE sha256 IN (?`+
		strings.Repeat(", ?", len(sums)-1)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	used := map[string]bool{}
	for rows.Next() {
		var sum string
		if err := rows.Scan(&sum); err != nil {
			return nil, err
		}
		used[sum] = true
	}
	return used, rows.Err()
}

func (s *Store) busy(sum string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saving[sum] != nil
}

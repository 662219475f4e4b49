package audit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tongxin/tongxin/internal/platform/audit"
	"github.com/tongxin/tongxin/internal/platform/db"
	"github.com/tongxin/tongxin/internal/platform/dbtest"
)

func TestChainDetectsTampering(t *testing.T) {
	tamper := []struct {
		name, sql string
	}{
		{"edit", `UPDATE audit_log SET actor = 'mallory' WHERE id = 3`},
		{"delete", `DELETE FROM audit_log WHERE id = 3`},
		{"edit detail", `UPDATE audit_log SET detail = '{"n":99}' WHERE id = 5`},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			dbtest.Engines(t, func(t *testing.T, d *db.DB) {
				ctx := context.Background()
				at := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
				for i := 0; i < 6; i++ {
					err := d.InTx(ctx, func(tx *db.Tx) error {
						return audit.Append(ctx, tx, audit.Entry{At: at.Add(time.Duration(i) * time.Minute), Actor: "admin",
							Action: "area.create", Object: fmt.Sprintf("area:%d", i), AreaCode: "370211", Detail: map[string]any{"n": i}})
					})
					if err != nil {
						t.Fatal(err)
					}
				}
				n, err := audit.Verify(ctx, d)
				if err != nil || n != 6 {
					t.Fatalf("intact chain: n=%d err=%v", n, err)
				}
				if _, err := d.ExecContext(ctx, tc.sql); err != nil {
					t.Fatal(err)
				}
				_, err = audit.Verify(ctx, d)
				var br *audit.Break
				if !errors.As(err, &br) {
					t.Fatalf("tampering (%s) not caught: %v", tc.name, err)
				}
				if br.ID < 3 {
					t.Fatalf("break reported at %d, before the tampered row", br.ID)
				}
			})
		})
	}
}

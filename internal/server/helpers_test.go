package server_test

import (
	"encoding/base64"
	"io"
	"log/slog"
)

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

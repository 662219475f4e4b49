//go:build webui

// Package web embeds the built console (web/dist) into the binary when built
// with -tags webui, after `npm run build`; without the tag the binary serves a
// placeholder page, so the Go build never needs Node.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// UI returns the built console.
func UI() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err)
	}
	return sub
}

//go:build !webui

package web

import "io/fs"

// UI is nil without the webui build tag: the server shows a placeholder page.
func UI() fs.FS { return nil }

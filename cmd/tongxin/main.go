// Command tongxin is the whole of Tongxin in one binary; see internal/cli.
package main

import (
	"os"

	"github.com/tongxin/tongxin/internal/cli"
)

func main() { os.Exit(cli.Main()) }

// Package xlsx writes the spreadsheets users download: a sheet streamed row
// by row (excelize keeps large sheets in a temporary file, so memory stays
// bounded), sent with a file name in Chinese and in ASCII.
package xlsx

import (
	"io"
	"mime"
	"net/http"

	"github.com/xuri/excelize/v2"
)

// ContentType is the media type of an xlsx workbook.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Sheet is one exported list: its name, header and column widths.
type Sheet struct {
	Name   string
	Header []string
	Widths map[int]float64 // 1-based column → width
}

// Book is a built workbook, to be written once the export is audited.
type Book struct{ f *excelize.File }

// Build writes the rows that each emits into a one-sheet workbook under a
// bold header, and returns it with the row count. Close the book.
func Build(sh Sheet, each func(emit func(row []any) error) error) (*Book, int, error) {
	x := excelize.NewFile()
	b := &Book{f: x}
	if err := x.SetSheetName("Sheet1", sh.Name); err != nil {
		b.Close()
		return nil, 0, err
	}
	sw, err := x.NewStreamWriter(sh.Name)
	if err != nil {
		b.Close()
		return nil, 0, err
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	head := make([]any, len(sh.Header))
	for i, h := range sh.Header {
		head[i] = excelize.Cell{Value: h, StyleID: bold}
	}
	for col, w := range sh.Widths {
		_ = sw.SetColWidth(col, col, w)
	}
	n := 0
	err = sw.SetRow("A1", head)
	if err == nil {
		err = each(func(row []any) error {
			n++
			cell, _ := excelize.CoordinatesToCellName(1, n+1)
			return sw.SetRow(cell, row)
		})
	}
	if err == nil {
		err = sw.Flush()
	}
	if err != nil {
		b.Close()
		return nil, 0, err
	}
	return b, n, nil
}

// WriteTo writes the workbook.
func (b *Book) WriteTo(w io.Writer) (int64, error) { return b.f.WriteTo(w) }

// Close removes the workbook's temporary files.
func (b *Book) Close() error { return b.f.Close() }

// Attachment is a Content-Disposition naming the download name (any
// characters, RFC 5987) with ascii as the fallback for old clients.
func Attachment(name, ascii string) string {
	return mime.FormatMediaType("attachment", map[string]string{"filename": ascii}) + "; filename*=UTF-8''" + urlEscape(name)
}

func urlEscape(s string) string {
	const hexd = "0123456789ABCDEF"
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexd[c>>4], hexd[c&15])
	}
	return string(b)
}

// Download is a writer for w that sets the download headers (name.xlsx,
// ascii.xlsx) on the first byte, so that an error before any byte still
// reaches the client as a problem response.
func Download(w http.ResponseWriter, name, ascii string) io.Writer {
	return &download{w: w, name: name, ascii: ascii}
}

type download struct {
	w           http.ResponseWriter
	name, ascii string
	started     bool
}

func (l *download) Write(b []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.w.Header()
		h.Set("Content-Type", ContentType)
		h.Set("Content-Disposition", Attachment(l.name+".xlsx", l.ascii+".xlsx"))
		h.Set("Cache-Control", "no-store")
	}
	return l.w.Write(b)
}

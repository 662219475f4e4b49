package registry

import (
	"io"
	"strings"

	"github.com/tongxin/tongxin/internal/platform/xlsx"
	"github.com/xuri/excelize/v2"
)

// XLSXType is the media type of an xlsx workbook.
const XLSXType = xlsx.ContentType

// reportWriter streams the error report: the original rows as read, with
// the line number and a reason column naming the column and the rule in
// Chinese and English. It is created on the first invalid row.
type reportWriter struct {
	path   string
	header []string
	f      *excelize.File
	sw     *excelize.StreamWriter
	row    int
}

const reportSheet = "错误行"

func (w *reportWriter) add(line int, raw []string, problems []RowProblem) error {
	if w.f == nil {
		w.f = excelize.NewFile()
		if err := w.f.SetSheetName("Sheet1", reportSheet); err != nil {
			return err
		}
		sw, err := w.f.NewStreamWriter(reportSheet)
		if err != nil {
			return err
		}
		w.sw = sw
		style, _ := w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"FDE9D9"}, Pattern: 1}})
		head := []any{excelize.Cell{Value: "行号 / line", StyleID: style}}
		for _, h := range w.header {
			head = append(head, excelize.Cell{Value: h, StyleID: style})
		}
		head = append(head, excelize.Cell{Value: "错误原因 / reason", StyleID: style})
		_ = sw.SetColWidth(2, len(w.header)+1, 14)
		_ = sw.SetColWidth(len(w.header)+2, len(w.header)+2, 80)
		if err := sw.SetRow("A1", head); err != nil {
			return err
		}
		w.row = 1
	}
	w.row++
	cells := make([]any, 0, len(w.header)+2)
	cells = append(cells, line)
	for i := range w.header {
		v := ""
		if i < len(raw) {
			v = raw[i]
		}
		cells = append(cells, excelize.Cell{Value: v})
	}
	// Cells beyond the header are kept too, so that nothing of the row is lost.
	for i := len(w.header); i < len(raw); i++ {
		cells = append(cells, raw[i])
	}
	cells = append(cells[:len(w.header)+1], append([]any{reasonText(problems)}, cells[len(w.header)+1:]...)...)
	cell, _ := excelize.CoordinatesToCellName(1, w.row)
	return w.sw.SetRow(cell, cells)
}

// reasonText is "【证件号码】校验码错误 / id_number: check digit …; …".
func reasonText(problems []RowProblem) string {
	parts := make([]string, len(problems))
	for i, p := range problems {
		col := p.Column
		if col == "" {
			col = "行"
		}
		parts[i] = "【" + col + "】" + p.DetailZH + "（" + p.Rule + "）/ " + col + ": " + p.Detail
	}
	return strings.Join(parts, "；")
}

func (w *reportWriter) save() error {
	if w.f == nil {
		return nil
	}
	if err := w.sw.Flush(); err != nil {
		return err
	}
	err := w.f.SaveAs(w.path)
	_ = w.f.Close()
	w.f = nil
	return err
}

// discard releases an unsaved report.
func (w *reportWriter) discard() {
	if w.f != nil {
		_ = w.f.Close()
		w.f = nil
	}
}

// WriteTemplate writes the persons ledger template: the header row on sheet
// "人口台账" (styled, widths set, one example row) and an explanation of
// every column on sheet "说明".
func WriteTemplate(out io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "人口台账"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill:      excelize.Fill{Type: "pattern", Color: []string{"C00000"}, Pattern: 1},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
		Border:    []excelize.Border{{Type: "bottom", Color: "000000", Style: 1}}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": keep ID numbers and dates as typed
	if err != nil {
		return err
	}
	for i, c := range LedgerColumns {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellValue(sheet, cell, c.Header); err != nil {
			return err
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		width := 12.0
		switch c.Key {
		case "building_address", "hukou_address":
			width = 26
		case "id_number", "tags":
			width = 22
		case "phone", "moved_in_on", "residence_type":
			width = 15
		}
		if err := f.SetColWidth(sheet, col, col, width); err != nil {
			return err
		}
		if err := f.SetColStyle(sheet, col, text); err != nil {
			return err
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(LedgerColumns), 1)
	if err := f.SetCellStyle(sheet, "A1", last, head); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	// Drop-down lists for the closed columns.
	for key, list := range map[string][]string{
		"usage": labelsOf(Usages), "id_type": labelsOf(IDTypes), "residence_type": labelsOf(ResidenceTypes), "relationship": labelsOf(Relationships),
	} {
		for i, c := range LedgerColumns {
			if c.Key != key {
				continue
			}
			col, _ := excelize.ColumnNumberToName(i + 1)
			dv := excelize.NewDataValidation(true)
			dv.Sqref = col + "2:" + col + "100000"
			if err := dv.SetDropList(list); err != nil {
				return err
			}
			if err := f.AddDataValidation(sheet, dv); err != nil {
				return err
			}
		}
	}
	const help = "说明"
	if _, err := f.NewSheet(help); err != nil {
		return err
	}
	rows := [][]any{{"列名", "是否必需", "说明与允许的值"}}
	for _, c := range LedgerColumns {
		req := "可选"
		if c.Required {
			req = "必需"
		}
		rows = append(rows, []any{c.Header, req, c.Help})
	}
	rows = append(rows, []any{}, []any{"文件", "", "xlsx（第一个工作表）或 csv（UTF-8，可带 BOM；或 GB18030/GBK）。第一行为表头，列的顺序不限，多余的列忽略。"},
		[]any{"导入方式", "", "全部或全不（默认）：任一行有误则不导入任何数据，并返回错误报告；仅导入有效行：有效行导入，无效行列入错误报告。"},
		[]any{"清洗", "", "自动去除首尾空格，全角字母数字转半角，身份证号小写 x 转大写，15 位旧身份证号升为 18 位。"},
		[]any{"去重", "", "按证件号码识别同一人：已登记者更新并入户，不重复登记；同一人已在其他户中时报告错误。"})
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(help, cell, &r); err != nil {
			return err
		}
	}
	_ = f.SetColWidth(help, "A", "A", 18)
	_ = f.SetColWidth(help, "B", "B", 10)
	_ = f.SetColWidth(help, "C", "C", 100)
	_ = f.SetCellStyle(help, "A1", "C1", head)
	return f.Write(out)
}

func labelsOf(e enum) []string {
	out := make([]string, len(e.codes))
	for i, c := range e.codes {
		out[i] = e.labels[c]
	}
	return out
}

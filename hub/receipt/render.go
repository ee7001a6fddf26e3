package receipt

import (
	"bytes"
	"fmt"
	"html/template"
	"time"

	"github.com/kasse/kasse/drivers/printer"
)

// Print options.
type Print struct {
	CodePage printer.CodePage
	Columns  int
	Kick     bool // open the cash drawer (pin 2) after the receipt
}

// ESCPOS renders the layout for a receipt printer.
func (l *Layout) ESCPOS(o Print) ([]byte, error) {
	if o.Columns == 0 {
		o.Columns = printer.Columns80mm
	}
	d := printer.NewDoc(o.CodePage, o.Columns)
	for _, r := range l.Rows {
		switch r.Style {
		case Heading:
			d.Align(printer.AlignCenter).Size(2, 2).Bold(true).Line(r.Left).Normal()
		case Center:
			d.Align(printer.AlignCenter).Line(r.Left).Align(printer.AlignLeft)
		case Rule:
			d.Rule()
		case Blank:
			d.LF()
		case Big:
			d.Size(1, 2).Bold(true).Columns(r.Left, r.Right).Normal()
		case Bold:
			d.Bold(true).Columns(r.Left, r.Right).Bold(false)
		default:
			if r.Right == "" {
				d.Line(r.Left)
			} else {
				d.Columns(r.Left, r.Right)
			}
		}
	}
	if l.Code != "" {
		d.Align(printer.AlignCenter).Code128(l.Code, printer.Code128B).Align(printer.AlignLeft)
	}
	d.Feed(3).Cut(printer.CutPartial)
	if o.Kick {
		d.Kick(printer.Pin2, 100*time.Millisecond, 200*time.Millisecond)
	}
	return d.Bytes()
}

var page = template.Must(template.New("receipt").Parse(`<article class="receipt">
{{- range .Rows}}
{{- if eq .Style 1}}<h1>{{.Left}}</h1>
{{- else if eq .Style 2}}<p class="center">{{.Left}}</p>
{{- else if eq .Style 5}}<hr>
{{- else if eq .Style 6}}<br>
{{- else}}<p class="{{if eq .Style 3}}bold{{else if eq .Style 4}}total{{end}}"><span>{{.Left}}</span>{{if .Right}} <span class="amount">{{.Right}}</span>{{end}}</p>
{{- end}}
{{- end}}
<p class="code">{{.Code}}</p>
</article>
`))

// HTML renders the layout as an HTML fragment; all text is escaped.
func (l *Layout) HTML() (string, error) {
	var b bytes.Buffer
	if err := page.Execute(&b, l); err != nil {
		return "", fmt.Errorf("receipt html: %w", err)
	}
	return b.String(), nil
}

package server

import (
	"fmt"

	"ratify/internal/service"
)

// barChart is the geometry of the dashboard's outreach-per-month chart,
// computed here so the template only draws rectangles and text: no script,
// no inline style, and every bar carries its number as text.
type barChart struct {
	Width, Height int
	Base          int // the y of the axis
	Bars          []chartBar
	Total         int64
	Max           int64
}

type chartBar struct {
	X, Y, W, H   int
	TextX, TextY int // the count above the bar
	LabelY       int // the month under the axis
	YearY        int // the year under the month
	Label        string
	Year         string // shown where the chart starts and where the year turns
	Title        string
	Month        string // YYYY-MM
	Count        int64
}

const (
	chartSlot   = 30 // px per month
	chartBarW   = 20
	chartTop    = 18 // room for the tallest bar's number
	chartPlot   = 96 // the tallest bar
	chartLabels = 30 // month and year labels under the axis
)

func monthChart(months []service.MonthCount) barChart {
	ch := barChart{Width: chartSlot * len(months), Base: chartTop + chartPlot}
	ch.Height = ch.Base + chartLabels
	for _, m := range months {
		ch.Total += m.Count
		ch.Max = max(ch.Max, m.Count)
	}
	for i, m := range months {
		h := 0
		if ch.Max > 0 {
			h = int(m.Count * chartPlot / ch.Max)
		}
		if m.Count > 0 && h < 2 {
			h = 2 // a month with records never looks empty
		}
		x := i*chartSlot + (chartSlot-chartBarW)/2
		year := ""
		if i == 0 || m.Month.Month() == 1 {
			year = m.Month.Format("2006") // where the chart starts and where the year turns
		}
		noun := "records"
		if m.Count == 1 {
			noun = "record"
		}
		ch.Bars = append(ch.Bars, chartBar{X: x, Y: ch.Base - h, W: chartBarW, H: h,
			TextX: x + chartBarW/2, TextY: ch.Base - h - 4, LabelY: ch.Base + 13, YearY: ch.Base + 26, Label: m.Month.Format("Jan"), Year: year, Count: m.Count, Month: m.Month.Format("2006-01"),
			Title: fmt.Sprintf("%s: %d outreach %s", m.Month.Format("January 2006"), m.Count, noun)})
	}
	return ch
}

// Excerpt shortens a summary for the dashboard's recent outreach.
func (homeView) Excerpt(s string) string { return excerpt(s, 120) }

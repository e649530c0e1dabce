package ui

import (
	"context"
	"strconv"
	"time"

	"github.com/publica/publica/web/chain"
)

// Chart is a bar chart drawn as inline SVG on the server: no script, no
// charting library. It carries its own text alternative (title, desc) and
// the data as a table for those who prefer to read it.
type Chart struct {
	ID     string
	Title  string
	Desc   string
	XLabel string // the data table's first column
	YLabel string // the data table's second column
	Bars   []Bar
	Ticks  []Tick // y axis
	XTicks []Tick // x axis labels
	Max    int
	Empty  string // shown instead when there is no data
}

// Bar is one column; coordinates are in the SVG's viewBox units.
type Bar struct {
	X, Y, W, H string
	Label      string // x value in words (table row)
	Value      int
}

// Tick is an axis label at a position.
type Tick struct {
	Pos   string
	Label string
}

// Chart geometry (viewBox units).
const (
	chartW    = 640
	chartH    = 200
	padLeft   = 40
	padRight  = 8
	padTop    = 10
	padBottom = 28
)

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// barChart lays out values as bars. xLabel gives each bar's label, and
// bars whose index passes showX get an x-axis label.
func barChart(id, title, desc, xName, yName string, n int, value func(int) int, label func(int) string, showX func(int) bool) Chart {
	c := Chart{ID: id, Title: title, Desc: desc, XLabel: xName, YLabel: yName}
	for i := range n {
		c.Max = max(c.Max, value(i))
	}
	top := niceMax(c.Max)
	plotW := float64(chartW - padLeft - padRight)
	plotH := float64(chartH - padTop - padBottom)
	slot := plotW / float64(max(n, 1))
	gap := min(slot*0.2, 2)
	for i := range n {
		v := value(i)
		h := plotH * float64(v) / float64(top)
		x := padLeft + slot*float64(i)
		c.Bars = append(c.Bars, Bar{X: f1(x + gap/2), Y: f1(padTop + plotH - h), W: f1(max(slot-gap, 0.5)), H: f1(h), Label: label(i), Value: v})
		if showX(i) {
			c.XTicks = append(c.XTicks, Tick{Pos: f1(x + slot/2), Label: label(i)})
		}
	}
	for _, t := range []int{0, top / 2, top} {
		c.Ticks = append(c.Ticks, Tick{Pos: f1(padTop + plotH - plotH*float64(t)/float64(top)), Label: strconv.Itoa(t)})
	}
	return c
}

// niceMax rounds the axis top up to an even number at least 2.
func niceMax(m int) int {
	if m < 2 {
		return 2
	}
	if m%2 == 1 {
		m++
	}
	return m
}

// BlocksPerMinuteChart draws how many blocks were made each minute.
func BlocksPerMinuteChart(ctx context.Context, a *chain.Activity) Chart {
	n := len(a.Minutes)
	every := max(1, (n+5)/6)
	c := barChart("chart-bpm", tr(ctx, "chart.bpm"),
		tr(ctx, "chart.bpm.desc", strconv.Itoa(n), minute(a, 0), minute(a, n-1)),
		tr(ctx, "chart.minute"), tr(ctx, "explorer.blocks"),
		n, func(i int) int { return a.Minutes[i].Blocks }, func(i int) string { return minute(a, i) },
		func(i int) bool { return i%every == 0 })
	if n == 0 {
		c.Empty = tr(ctx, "explorer.noblocks")
	}
	return c
}

// TxsPerBlockChart draws the transaction count of each recent block.
func TxsPerBlockChart(ctx context.Context, a *chain.Activity) Chart {
	n := len(a.Blocks)
	every := max(1, (n+5)/6)
	c := barChart("chart-tpb", tr(ctx, "chart.tpb"),
		tr(ctx, "chart.tpb.desc", strconv.Itoa(n), group(a.From), group(a.To)),
		tr(ctx, "chart.block"), tr(ctx, "explorer.col.txs"),
		n, func(i int) int { return a.Blocks[i].NumTxs }, func(i int) string { return group(a.Blocks[i].Height) },
		func(i int) bool { return i%every == 0 })
	if n == 0 {
		c.Empty = tr(ctx, "explorer.noblocks")
	}
	return c
}

func minute(a *chain.Activity, i int) string {
	if i < 0 || i >= len(a.Minutes) {
		return "—"
	}
	return a.Minutes[i].Start.UTC().Format("15:04")
}

func chartViewBox() string { return "0 0 " + strconv.Itoa(chartW) + " " + strconv.Itoa(chartH) }

func axisY() string       { return f1(padTop + float64(chartH-padTop-padBottom)) }
func axisLeft() string    { return strconv.Itoa(padLeft) }
func axisRight() string   { return strconv.Itoa(chartW - padRight) }
func xLabelY() string     { return strconv.Itoa(chartH - 8) }
func yLabelX() string     { return strconv.Itoa(padLeft - 6) }
func tickY(t Tick) string { return t.Pos }

// duration in words, e.g. "2.4 s" or "3 min 5 s".
func duration(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	if d < time.Minute {
		return strconv.FormatFloat(sec, 'f', 1, 64) + " s"
	}
	return strconv.Itoa(int(d/time.Minute)) + " min " + strconv.Itoa(int(d%time.Minute/time.Second)) + " s"
}

func clock(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

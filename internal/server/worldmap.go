package server

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"strconv"

	"ratify/web"
)

// worldShapes are the state outlines from Natural Earth (scripts/worldmap),
// keyed by M49 code, with which ones are too small to see or click.
type worldShapes struct {
	ViewBox string
	Paths   map[string]string
	Tiny    map[string]bool
}

var pathNumber = regexp.MustCompile(`-?(?:\d+\.?\d*|\.\d+)`)

func loadWorldShapes() (*worldShapes, error) {
	b, err := fs.ReadFile(web.Static, "static/world.json")
	if err != nil {
		return nil, fmt.Errorf("world map: %w", err)
	}
	var raw struct {
		ViewBox string            `json:"viewBox"`
		Shapes  map[string]string `json:"shapes"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("world map: %w", err)
	}
	w := &worldShapes{ViewBox: raw.ViewBox, Paths: raw.Shapes, Tiny: map[string]bool{}}
	for code, d := range raw.Shapes {
		if wd, ht := pathExtent(d); wd < 3 && ht < 3 {
			w.Tiny[code] = true
		}
	}
	return w, nil
}

// pathExtent measures a path written as "M x y l dx dy … z" subpaths, the
// form the generator writes, in viewBox units.
func pathExtent(d string) (float64, float64) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	var x, y float64
	rel := false
	i := 0
	for i < len(d) {
		switch d[i] {
		case 'M':
			rel = false
			i++
			continue
		case 'l':
			rel = true
			i++
			continue
		case 'z', 'Z', ' ', ',':
			i++
			continue
		}
		loc := pathNumber.FindStringIndex(d[i:])
		if loc == nil || loc[0] != 0 {
			i++
			continue
		}
		a, _ := strconv.ParseFloat(d[i:i+loc[1]], 64)
		i += loc[1]
		loc = pathNumber.FindStringIndex(d[i:])
		for loc != nil && loc[0] > 0 && (d[i] == ' ' || d[i] == ',') {
			i++
			loc = pathNumber.FindStringIndex(d[i:])
		}
		if loc == nil || loc[0] != 0 {
			break
		}
		b, _ := strconv.ParseFloat(d[i:i+loc[1]], 64)
		i += loc[1]
		if rel {
			x, y = x+a, y+b
		} else {
			x, y = a, b
			rel = true // after M, further pairs continue as implicit l in our generator's output
		}
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	if math.IsInf(minX, 1) {
		return 0, 0
	}
	return maxX - minX, maxY - minY
}

package server

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
)

type mapShape struct {
	ISO3, Name, D, Class, Label string
}

type legendItem struct {
	Class, Label string
	Count        int
}

type mapView struct {
	By          string
	Instruments []model.Instrument
	ViewBox     string
	Shapes      []mapShape
	Legend      []legendItem
	// Small lists the states drawn too small to see or click at world scale.
	Small []mapShape
	Title string
}

// buildMap colours every state by the status on one instrument, by campaign
// stage or by priority. Each shape keeps a text label, so colour is never the
// only carrier of meaning.
func (s *Server) buildMap(t *service.CountryTable, by string, stages []model.Stage) (mapView, error) {
	v := mapView{By: by, Instruments: t.Instruments, ViewBox: s.world.ViewBox}
	var classify func(r service.CountryRow) (string, string)
	legend := map[string]*legendItem{}
	var order []string
	addLegend := func(class, label string) {
		if _, ok := legend[class]; !ok {
			legend[class] = &legendItem{Class: stageClass(class), Label: label}
			order = append(order, class)
		}
	}
	switch {
	case by == "stage":
		v.Title = "Campaign stage"
		addLegend("stage-none", "No stage set")
		for i, st := range stages {
			addLegend(fmt.Sprintf("stage-%d", i+1), st.Name)
		}
		classify = func(r service.CountryRow) (string, string) {
			if r.Country.Stage == nil {
				return "stage-none", "No stage set"
			}
			for i, st := range stages {
				if st.ID == r.Country.Stage.ID {
					return fmt.Sprintf("stage-%d", i+1), st.Name
				}
			}
			return "stage-none", "No stage set"
		}
	case by == "priority":
		v.Title = "Priority"
		for _, p := range model.Priorities {
			addLegend("prio-"+string(p), p.Label())
		}
		classify = func(r service.CountryRow) (string, string) {
			return "prio-" + string(r.Country.Priority), r.Country.Priority.Label() + " priority"
		}
	default:
		var inst *model.Instrument
		for i := range t.Instruments {
			if strings.EqualFold(t.Instruments[i].Code, by) {
				inst = &t.Instruments[i]
			}
		}
		if inst == nil {
			return v, &model.Error{Code: model.CodeInvalid, Message: "colour the map by an instrument code, stage or priority",
				Fields: map[string]string{"by": "unknown choice"}}
		}
		v.By, v.Title = inst.Code, inst.ShortTitle
		addLegend("st-party", "Party (ratified, acceded or succeeded)")
		if inst.HasSignature() {
			addLegend("st-signed", "Signed, not ratified")
		}
		addLegend("st-none", "Not party")
		addLegend("st-denounced", "Denounced")
		classify = func(r service.CountryRow) (string, string) {
			x := r.Ratifications[inst.Code]
			if x == nil {
				return "st-none", inst.Code + ": not party"
			}
			label := inst.Code + ": " + x.Status.Label()
			if y := x.Year(); y > 0 {
				label += fmt.Sprintf(" %d", y)
			}
			return "st-" + x.Status.Class(), label
		}
	}
	for _, r := range t.Rows {
		class, label := classify(r)
		if li, ok := legend[class]; ok {
			li.Count++
		}
		sh := mapShape{ISO3: r.Country.ISO3, Name: r.Country.Name, Class: stageClass(class), Label: label}
		d, ok := s.world.Paths[r.Country.M49]
		if !ok || s.world.Tiny[r.Country.M49] {
			v.Small = append(v.Small, sh)
		}
		if ok {
			sh.D = d
			v.Shapes = append(v.Shapes, sh)
		}
	}
	for _, c := range order {
		v.Legend = append(v.Legend, *legend[c])
	}
	return v, nil
}

// stageClass is the palette class of a legend key: the palette has six
// stage colours, so later stages share the sixth colour while each keeps its
// own legend line and count (keying the legend by the capped class merged
// them into the sixth stage's line).
func stageClass(key string) string {
	var n int
	if _, err := fmt.Sscanf(key, "stage-%d", &n); err == nil && n > 6 {
		return "stage-6"
	}
	return key
}

func (s *Server) mapPage(c *gin.Context) {
	a := actor(c)
	t, err := s.svc.Countries(c.Request.Context(), a, service.CountryFilter{})
	if err != nil {
		s.fail(c, err)
		return
	}
	stages, err := s.svc.Stages(c.Request.Context(), a)
	if err != nil {
		s.fail(c, err)
		return
	}
	by := c.DefaultQuery("by", "ICRMW")
	v, err := s.buildMap(t, by, stages)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "map.html", "World map: "+v.Title, v)
}

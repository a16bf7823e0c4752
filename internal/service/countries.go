package service

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/store"
)

// CountryFilter narrows the comparative table. Statuses maps an instrument
// code to the statuses wanted, where "party" and "not_party" stand for groups.
type CountryFilter struct {
	Region     string
	Subregion  string
	Statuses   map[string][]string
	Priority   model.Priority
	StageID    int64
	FocalOrgID int64
	Query      string
	Sort       string // name, region, priority, stage, focal, or an instrument code
	Descending bool
}

// CountryRow is one state of the comparative table.
type CountryRow struct {
	Country       model.Country
	Ratifications map[string]*model.Ratification // by instrument code; nil means none
}

// Status returns the state's status on an instrument (none when unrecorded).
func (r CountryRow) Status(code string) model.Status {
	if x := r.Ratifications[code]; x != nil {
		return x.Status
	}
	return model.StatusNone
}

// InstrumentCount sums one instrument's standings over the rows shown.
type InstrumentCount struct {
	Instrument model.Instrument
	Parties    int
	SignedOnly int
	Denounced  int
	None       int
}

// CountryTable is the comparative table for a filter.
type CountryTable struct {
	Instruments []model.Instrument
	Rows        []CountryRow
	Counts      []InstrumentCount
	Total       int
}

// StatusMatches reports whether s fits a filter value.
func StatusMatches(s model.Status, want string) bool {
	switch want {
	case "party":
		return s.Party()
	case "not_party":
		return !s.Party()
	}
	return string(s) == want
}

// ValidStatusFilter reports whether v may be used in a status filter.
func ValidStatusFilter(v string) bool {
	return v == "party" || v == "not_party" || model.Status(v).Valid()
}

// Countries builds the comparative table: every state, filtered and sorted.
func (s *Service) Countries(ctx context.Context, a Actor, f CountryFilter) (*CountryTable, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	insts, err := s.store.ListInstruments(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.checkCountryFilter(ctx, f, insts); err != nil {
		return nil, err
	}
	countries, err := s.store.ListCountries(ctx)
	if err != nil {
		return nil, err
	}
	rats, err := s.store.AllRatifications(ctx)
	if err != nil {
		return nil, err
	}
	byCountry := make(map[string]map[string]*model.Ratification, len(countries))
	for i := range rats {
		r := &rats[i]
		if byCountry[r.CountryISO3] == nil {
			byCountry[r.CountryISO3] = map[string]*model.Ratification{}
		}
		byCountry[r.CountryISO3][r.InstrumentCode] = r
	}
	q := foldText(f.Query)
	t := &CountryTable{Instruments: insts}
	for _, c := range countries {
		row := CountryRow{Country: c, Ratifications: byCountry[c.ISO3]}
		if row.Ratifications == nil {
			row.Ratifications = map[string]*model.Ratification{}
		}
		if matchesCountry(row, f, q) {
			t.Rows = append(t.Rows, row)
		}
	}
	sortCountries(t.Rows, f.Sort, f.Descending)
	t.Total = len(t.Rows)
	for _, in := range insts {
		ic := InstrumentCount{Instrument: in}
		for _, row := range t.Rows {
			switch st := row.Status(in.Code); {
			case st.Party():
				ic.Parties++
			case st == model.StatusSigned:
				ic.SignedOnly++
			case st == model.StatusDenounced:
				ic.Denounced++
			default:
				ic.None++
			}
		}
		t.Counts = append(t.Counts, ic)
	}
	return t, nil
}

func (s *Service) checkCountryFilter(ctx context.Context, f CountryFilter, insts []model.Instrument) error {
	fe := model.FieldErrors{}
	for code, wants := range f.Statuses {
		if !slices.ContainsFunc(insts, func(i model.Instrument) bool { return i.Code == code }) {
			fe.Add("instrument", fmt.Sprintf("no instrument with code %q", code))
		}
		for _, w := range wants {
			if !ValidStatusFilter(w) {
				fe.Add("status", fmt.Sprintf("%q is not a status (none, signed, ratified, acceded, succeeded, denounced, party, not_party)", w))
			}
		}
	}
	if f.Priority != "" && !f.Priority.Valid() {
		fe.Add("priority", "choose high, medium, low or none")
	}
	if len(f.Query) > 100 {
		fe.Add("q", "use at most 100 characters")
	}
	switch f.Sort {
	case "", "name", "region", "priority", "stage", "focal":
	default:
		if !slices.ContainsFunc(insts, func(i model.Instrument) bool { return i.Code == f.Sort }) {
			fe.Add("sort", "sort by name, region, priority, stage, focal or an instrument code")
		}
	}
	return fe.Err()
}

func matchesCountry(row CountryRow, f CountryFilter, q string) bool {
	c := row.Country
	if f.Region != "" && !strings.EqualFold(c.Region, f.Region) {
		return false
	}
	if f.Subregion != "" && !strings.EqualFold(c.Subregion, f.Subregion) {
		return false
	}
	if f.Priority != "" && c.Priority != f.Priority {
		return false
	}
	if f.StageID > 0 && (c.StageID == nil || *c.StageID != f.StageID) {
		return false
	}
	if f.FocalOrgID > 0 && (c.FocalOrganisationID == nil || *c.FocalOrganisationID != f.FocalOrgID) {
		return false
	}
	for code, wants := range f.Statuses {
		if len(wants) == 0 {
			continue
		}
		st := row.Status(code)
		if !slices.ContainsFunc(wants, func(w string) bool { return StatusMatches(st, w) }) {
			return false
		}
	}
	if q != "" && !strings.Contains(foldText(c.Name), q) && !strings.EqualFold(c.ISO3, q) && !strings.EqualFold(c.ISO2, q) {
		return false
	}
	return true
}

func sortCountries(rows []CountryRow, key string, desc bool) {
	// Fold each name once: folding in the comparison ran it O(n log n) times
	// and was about a quarter of the countries page's CPU.
	folded := make(map[string]string, len(rows))
	for _, r := range rows {
		folded[r.Country.ISO3] = foldText(r.Country.Name)
	}
	cmpName := func(a, b CountryRow) int { return strings.Compare(folded[a.Country.ISO3], folded[b.Country.ISO3]) }
	var cmp func(a, b CountryRow) int
	switch key {
	case "", "name":
		cmp = cmpName
	case "region":
		cmp = func(a, b CountryRow) int {
			return strings.Compare(a.Country.Region+"\x00"+a.Country.Subregion, b.Country.Region+"\x00"+b.Country.Subregion)
		}
	case "priority":
		cmp = func(a, b CountryRow) int { return a.Country.Priority.Rank() - b.Country.Priority.Rank() }
	case "stage":
		pos := func(r CountryRow) int {
			if r.Country.Stage == nil {
				return -1
			}
			return r.Country.Stage.Position
		}
		cmp = func(a, b CountryRow) int { return pos(b) - pos(a) }
	case "focal":
		name := func(r CountryRow) string {
			if r.Country.FocalOrganisation == nil {
				return "\uffff"
			}
			return r.Country.FocalOrganisation.ShortName
		}
		cmp = func(a, b CountryRow) int { return strings.Compare(name(a), name(b)) }
	default:
		// By standing (parties first, then signatories), then by year.
		rank := func(r CountryRow) int {
			switch st := r.Status(key); {
			case st.Party():
				return 0
			case st == model.StatusSigned:
				return 1
			case st == model.StatusDenounced:
				return 2
			}
			return 3
		}
		year := func(r CountryRow) int {
			if x := r.Ratifications[key]; x != nil {
				return x.Year()
			}
			return 0
		}
		cmp = func(a, b CountryRow) int {
			if d := rank(a) - rank(b); d != 0 {
				return d
			}
			return year(a) - year(b)
		}
	}
	slices.SortStableFunc(rows, func(a, b CountryRow) int {
		d := cmp(a, b)
		if desc {
			d = -d
		}
		if d == 0 {
			return cmpName(a, b)
		}
		return d
	})
}

// Regions lists the regions and their sub-regions, for the filter menus.
func (s *Service) Regions(ctx context.Context, a Actor) (map[string][]string, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	pairs, err := s.store.ListRegions(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, p := range pairs {
		if !slices.Contains(out[p[0]], p[1]) {
			out[p[0]] = append(out[p[0]], p[1])
		}
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out, nil
}

// Instruments lists the tracked instruments.
func (s *Service) Instruments(ctx context.Context, a Actor) ([]model.Instrument, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	return s.store.ListInstruments(ctx)
}

// CreateInstrument lets an admin track another treaty.
func (s *Service) CreateInstrument(ctx context.Context, a Actor, in model.Instrument) (*model.Instrument, error) {
	if err := require(a, auth.ManageReferenceLists); err != nil {
		return nil, err
	}
	if err := in.Validate(s.now()); err != nil {
		return nil, err
	}
	in.CreatedAt = s.now().UTC()
	err := s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateInstrument(ctx, &in); err != nil {
			return err
		}
		return s.audit(ctx, a, "instrument.create", "instrument", in.Code, fmt.Sprintf("added %s (%s, %s)", in.Code, in.Title, in.Kind.Label()))
	})
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// Stages lists the campaign pipeline.
func (s *Service) Stages(ctx context.Context, a Actor) ([]model.Stage, error) {
	if err := require(a, auth.ReadCoalition); err != nil {
		return nil, err
	}
	return s.store.ListStages(ctx)
}

func validateStageName(name string) (string, error) {
	name = strings.TrimSpace(name)
	fe := model.FieldErrors{}
	switch {
	case name == "":
		fe.Add("name", "enter the stage's name")
	case len(name) > 80:
		fe.Add("name", "use at most 80 characters")
	case !model.PlainLine(name):
		fe.Add("name", model.NotPlainLine)
	}
	return name, fe.Err()
}

// CreateStage appends a stage to the pipeline (admins).
func (s *Service) CreateStage(ctx context.Context, a Actor, name string) (*model.Stage, error) {
	if err := require(a, auth.ManageReferenceLists); err != nil {
		return nil, err
	}
	name, err := validateStageName(name)
	if err != nil {
		return nil, err
	}
	var st model.Stage
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		stages, err := s.store.ListStages(ctx)
		if err != nil {
			return err
		}
		pos := 1
		if len(stages) > 0 {
			pos = stages[len(stages)-1].Position + 1
		}
		st = model.Stage{Name: name, Position: pos, CreatedAt: s.now().UTC()}
		if err := s.store.CreateStage(ctx, &st); err != nil {
			return err
		}
		return s.audit(ctx, a, "stage.create", "stage", strconv.FormatInt(st.ID, 10), "added stage "+strconv.Quote(name))
	})
	return &st, err
}

// UpdateStage renames a stage and moves it to a new position (1-based).
func (s *Service) UpdateStage(ctx context.Context, a Actor, id int64, name string, position int) (*model.Stage, error) {
	if err := require(a, auth.ManageReferenceLists); err != nil {
		return nil, err
	}
	name, err := validateStageName(name)
	if err != nil {
		return nil, err
	}
	var out *model.Stage
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		stages, err := s.store.ListStages(ctx)
		if err != nil {
			return err
		}
		idx := slices.IndexFunc(stages, func(x model.Stage) bool { return x.ID == id })
		if idx < 0 {
			return model.NotFound("stage")
		}
		before := stages[idx]
		moved := stages[idx]
		moved.Name = name
		stages = slices.Delete(stages, idx, idx+1)
		if position < 1 || position > len(stages)+1 {
			position = idx + 1
		}
		stages = slices.Insert(stages, position-1, moved)
		for i := range stages {
			if stages[i].Position != i+1 || stages[i].ID == id {
				stages[i].Position = i + 1
				if err := s.store.UpdateStage(ctx, &stages[i]); err != nil {
					return err
				}
			}
		}
		out = &stages[position-1]
		return s.audit(ctx, a, "stage.update", "stage", strconv.FormatInt(id, 10),
			fmt.Sprintf("%q at %d → %q at %d", before.Name, idx+1, name, position))
	})
	return out, err
}

// DeleteStage removes an unused stage.
func (s *Service) DeleteStage(ctx context.Context, a Actor, id int64) error {
	if err := require(a, auth.ManageReferenceLists); err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		st, err := s.store.GetStage(ctx, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteStage(ctx, id); err != nil {
			return err
		}
		return s.audit(ctx, a, "stage.delete", "stage", strconv.FormatInt(id, 10), "removed stage "+strconv.Quote(st.Name))
	})
}

// FocalCandidates lists the active users who can be a country's focal person.
func (s *Service) FocalCandidates(ctx context.Context, a Actor) ([]model.User, error) {
	if err := require(a, auth.RecordTreatyStatus); err != nil {
		return nil, err
	}
	var out []model.User
	for page := 1; ; page++ {
		us, total, err := s.store.ListUsers(ctx, store.UserFilter{Page: model.Page{Number: page, PerPage: model.MaxPerPage}})
		if err != nil {
			return nil, err
		}
		for _, u := range us {
			if u.Active && u.Role != model.RoleViewer {
				out = append(out, u)
			}
		}
		if int64(page*model.MaxPerPage) >= total || len(us) == 0 {
			return out, nil
		}
	}
}

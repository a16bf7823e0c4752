package service

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/store"
)

// MaxImportBytes bounds an uploaded ratification list; the official lists
// are a few kilobytes.
const MaxImportBytes = 2 << 20

// LineError is a problem with one line of an uploaded file.
type LineError struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// ImportDiff is one state whose standing differs between the file and Ratify.
type ImportDiff struct {
	Line    int
	Country model.Country
	Kind    string // new party, new signatory, status changed, date changed, details changed, not in file
	Changes []FieldChange
	change  *model.RatificationChange
}

// ImportReport is the outcome of reading (and maybe applying) a file.
type ImportReport struct {
	Instrument model.Instrument
	Rows       int
	Unchanged  int
	Diffs      []ImportDiff
	Errors     []LineError
	Applied    int
}

// ImportRatifications compares an official list in the shared-data columns
// with what Ratify holds. With apply, the accepted differences are recorded
// as events, each with its row's source (or defaultSource). A file with any
// line error changes nothing.
func (s *Service) ImportRatifications(ctx context.Context, a Actor, code string, r io.Reader, defaultSource string, apply bool, accept func(iso3 string) bool) (*ImportReport, error) {
	if err := require(a, auth.RecordTreatyStatus); err != nil {
		return nil, err
	}
	in, err := s.instrument(ctx, code)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	if len(b) > MaxImportBytes {
		return nil, &model.Error{Code: model.CodeTooLarge, Message: fmt.Sprintf("the file is larger than %d bytes", MaxImportBytes)}
	}
	rep := &ImportReport{Instrument: *in}
	if !utf8.Valid(b) {
		rep.Errors = append(rep.Errors, LineError{Line: 1, Message: "the file is not UTF-8 text; save it as CSV UTF-8"})
		return rep, nil
	}
	rows, err := store.ReadCSVRecords(strings.NewReader(string(b)))
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rep.Errors = append(rep.Errors, LineError{Line: pe.Line, Message: pe.Err.Error()})
		} else {
			rep.Errors = append(rep.Errors, LineError{Line: 1, Message: err.Error()})
		}
		return rep, nil
	}
	rep.Rows = len(rows)
	countries, err := s.store.ListCountries(ctx)
	if err != nil {
		return nil, err
	}
	byISO := map[string]model.Country{}
	for _, c := range countries {
		byISO[c.ISO3] = c
	}
	current, err := s.store.AllRatifications(ctx)
	if err != nil {
		return nil, err
	}
	held := map[string]*model.Ratification{}
	for i := range current {
		if current[i].InstrumentCode == in.Code {
			held[current[i].CountryISO3] = &current[i]
		}
	}
	seen := map[string]int{}
	required := []string{"iso3", "ratification_date", "ratification_precision"}
	if in.Kind == model.KindUNTreaty {
		required = append(required, "signature_date", "signature_precision", "action")
	} else {
		required = append(required, "status")
	}
	if len(rows) > 0 {
		for _, col := range required {
			if _, ok := rows[0][col]; !ok {
				rep.Errors = append(rep.Errors, LineError{Line: 1, Field: col, Message: "the header has no " + col + " column"})
			}
		}
		if len(rep.Errors) > 0 {
			return rep, nil
		}
	}
	now := s.now().UTC()
	for _, row := range rows {
		line := atoiOr(row["_line"], 0)
		iso := strings.ToUpper(row["iso3"])
		c, ok := byISO[iso]
		if !ok {
			rep.Errors = append(rep.Errors, LineError{Line: line, Field: "iso3", Message: fmt.Sprintf("%q is not a known ISO3 code", row["iso3"])})
			continue
		}
		if prev, dup := seen[iso]; dup {
			rep.Errors = append(rep.Errors, LineError{Line: line, Field: "iso3", Message: fmt.Sprintf("%s appears again (first on line %d)", iso, prev)})
			continue
		}
		seen[iso] = line
		if row["source"] == "" {
			row["source"] = strings.TrimSpace(defaultSource)
		}
		rat, err := store.ParseSnapshotRow(in.Code, row)
		if err != nil {
			rep.Errors = append(rep.Errors, LineError{Line: line, Message: err.Error()})
			continue
		}
		ch := model.RatificationChange{Status: rat.Status, Signature: rat.Signature(), Ratification: rat.Ratified(),
			Notes: rat.Notes, Source: rat.Source, Note: "imported from an official list"}
		cur := held[iso]
		if cur != nil {
			ch.InForce, ch.AsOf = cur.InForce(), cur.AsOf
		} else {
			cur = &model.Ratification{Status: model.StatusNone}
		}
		if _, ok := row["notes"]; !ok {
			// An official list has no column for our notes: an absent
			// column keeps them rather than clearing them.
			ch.Notes = cur.Notes
		}
		if err := ch.Validate(in.Kind, now); err != nil {
			e, _ := model.AsError(err)
			for f, m := range e.Fields {
				rep.Errors = append(rep.Errors, LineError{Line: line, Field: f, Message: m})
			}
			continue
		}
		changes := diffRatification(cur, ch)
		changes = slices.DeleteFunc(changes, func(f FieldChange) bool { return f.Field == "source" || f.Field == "as of" })
		if len(changes) == 0 {
			rep.Unchanged++
			continue
		}
		rep.Diffs = append(rep.Diffs, ImportDiff{Line: line, Country: c, Kind: diffKind(cur, ch), Changes: changes, change: &ch})
	}
	for iso, cur := range held {
		if _, ok := seen[iso]; !ok && cur.Status != model.StatusNone {
			rep.Diffs = append(rep.Diffs, ImportDiff{Country: byISO[iso], Kind: "not in file",
				Changes: []FieldChange{{Field: "status", From: cur.Status.Label(), To: "(absent from the file; not changed)"}}})
		}
	}
	slices.SortStableFunc(rep.Diffs, func(a, b ImportDiff) int { return strings.Compare(a.Country.Name, b.Country.Name) })
	slices.SortStableFunc(rep.Errors, func(a, b LineError) int { return a.Line - b.Line })
	if !apply || len(rep.Errors) > 0 {
		return rep, nil
	}
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		for _, d := range rep.Diffs {
			if d.change == nil || (accept != nil && !accept(d.Country.ISO3)) {
				continue
			}
			if _, err := s.RecordRatification(ctx, a, d.Country.ISO3, in.Code, *d.change); err != nil {
				return fmt.Errorf("%s: %w", d.Country.ISO3, err)
			}
			rep.Applied++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func diffKind(cur *model.Ratification, ch model.RatificationChange) string {
	switch {
	case !cur.Status.Party() && ch.Status.Party():
		return "new party"
	case cur.Status == model.StatusNone && ch.Status == model.StatusSigned:
		return "new signatory"
	case cur.Status != ch.Status:
		return "status changed"
	case !cur.Signature().Equal(ch.Signature) || !cur.Ratified().Equal(ch.Ratification):
		return "date changed"
	}
	return "details changed"
}

func atoiOr(s string, def int) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return def
		}
		n = n*10 + int(r-'0')
	}
	return n
}

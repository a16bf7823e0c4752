package merge

import "ratify/internal/model"

// NewData gathers one recipient's merge data. rats holds the country's
// standings by instrument code; codes lists every tracked instrument, so a
// template can name one the country has no record for (status none).
func NewData(c *model.Contact, countryName string, rats map[string]*model.Ratification, codes []string, sender Sender, unsubscribeURL string) *Data {
	d := &Data{
		Contact: Contact{Honorific: c.Honorific, FirstName: c.FirstName, LastName: c.LastName, FullName: c.FullName()},
		Country: Country{Name: countryName, Instruments: make(map[string]Instrument, len(codes))},
		Sender:  sender, UnsubscribeURL: unsubscribeURL,
	}
	for _, p := range c.Positions {
		if p.EndDate == nil {
			d.Contact.Position = p.Title
			if p.Institution != nil {
				d.Contact.Institution = p.Institution.Name
			}
			break
		}
	}
	for _, code := range codes {
		in := Instrument{Status: string(model.StatusNone)}
		if r := rats[code]; r != nil {
			in.Status, in.Year = string(r.Status), r.Year()
		}
		d.Country.Instruments[code] = in
	}
	return d
}

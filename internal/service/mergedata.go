package service

import (
	"context"

	"ratify/internal/merge"
	"ratify/internal/model"
)

// mergeData loads what a template may say about one contact.
func (s *Service) mergeData(ctx context.Context, c *model.Contact, sender *merge.Sender, unsubscribeURL string) (*merge.Data, error) {
	codes, err := s.instrumentCodes(ctx)
	if err != nil {
		return nil, err
	}
	name := ""
	rats := map[string]*model.Ratification{}
	if c.CountryISO3 != nil {
		ctry, err := s.store.GetCountry(ctx, *c.CountryISO3)
		if err != nil {
			return nil, err
		}
		name = ctry.Name
		rs, err := s.store.CountryRatifications(ctx, ctry.ISO3)
		if err != nil {
			return nil, err
		}
		for i := range rs {
			rats[rs[i].InstrumentCode] = &rs[i]
		}
	}
	snd := merge.Sender{}
	if sender != nil {
		snd = *sender
	}
	return merge.NewData(c, name, rats, codes, snd, unsubscribeURL), nil
}

package server

import (
	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

// How much of each list the dossier shows before linking to the full list.
const (
	dossierInstitutions = 30
	dossierContacts     = 30
	dossierOutreach     = 15
)

// dossierActivity adds the country's institutions, people, outreach
// timeline and open follow-ups to the dossier. Outreach and follow-ups go
// through the service, which hides other organisations' private records.
func (s *Server) dossierActivity(c *gin.Context, v *dossierView) error {
	ctx := c.Request.Context()
	a := actor(c)
	iso := v.D.Country.ISO3
	var err error
	v.Institutions, v.InstitutionsTotal, err = s.svc.Institutions(ctx, a, store.InstitutionFilter{Country: iso, Page: model.Page{PerPage: dossierInstitutions}})
	if err != nil {
		return err
	}
	v.Contacts, v.ContactsTotal, err = s.svc.Contacts(ctx, a, service.ContactQuery{ContactFilter: store.ContactFilter{Country: iso, Page: model.Page{PerPage: dossierContacts}}})
	if err != nil {
		return err
	}
	v.Outreach, v.OutreachTotal, err = s.svc.ListOutreach(ctx, a, store.OutreachFilter{Country: iso, Page: model.Page{PerPage: dossierOutreach}})
	if err != nil {
		return err
	}
	v.Followups, _, err = s.svc.ListFollowups(ctx, a, store.FollowupFilter{Country: iso, Status: model.FollowupOpen, Page: model.Page{PerPage: 50}})
	return err
}

// Excerpt shortens an outreach summary for the timeline.
func (dossierView) Excerpt(s string) string { return excerpt(s, 240) }

package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
)

type orgJSON struct {
	ID        int64         `json:"id"`
	Name      string        `json:"name"`
	ShortName string        `json:"short_name"`
	Kind      model.OrgKind `json:"kind"`
	CreatedAt time.Time     `json:"created_at"`
}

func toOrgJSON(o *model.Organisation) orgJSON {
	return orgJSON{ID: o.ID, Name: o.Name, ShortName: o.ShortName, Kind: o.Kind, CreatedAt: o.CreatedAt.UTC()}
}

func parseID(v string) (int64, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, model.Errorf(model.CodeInvalid, "not an id")
	}
	return id, nil
}

func (s *Server) apiListOrgs(c *gin.Context) {
	orgs, err := s.svc.ListOrganisations(c.Request.Context(), actor(c))
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]orgJSON, len(orgs))
	for i := range orgs {
		items[i] = toOrgJSON(&orgs[i])
	}
	// Organisations are few; the list is answered whole.
	c.JSON(http.StatusOK, listBody[orgJSON]{Items: items, Total: int64(len(items)), Page: 1, PerPage: max(len(items), 1)})
}

func (s *Server) apiGetOrg(c *gin.Context) {
	id, err := idParam(c, "id", "organisation")
	if err == nil {
		var o *model.Organisation
		if o, err = s.svc.GetOrganisation(c.Request.Context(), actor(c), id); err == nil {
			c.JSON(http.StatusOK, toOrgJSON(o))
			return
		}
	}
	s.fail(c, err)
}

type createOrgRequest struct {
	Name      string        `json:"name"`
	ShortName string        `json:"short_name"`
	Kind      model.OrgKind `json:"kind"`
}

func (s *Server) apiCreateOrg(c *gin.Context) {
	var in createOrgRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.svc.CreateOrganisation(c.Request.Context(), actor(c), model.Organisation{Name: in.Name, ShortName: in.ShortName, Kind: in.Kind})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, toOrgJSON(o))
}

type patchOrgRequest struct {
	Name      *string        `json:"name"`
	ShortName *string        `json:"short_name"`
	Kind      *model.OrgKind `json:"kind"`
}

func (s *Server) apiPatchOrg(c *gin.Context) {
	id, err := idParam(c, "id", "organisation")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in patchOrgRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	o, err := s.svc.UpdateOrganisation(c.Request.Context(), actor(c), id, service.OrganisationPatch(in))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, toOrgJSON(o))
}

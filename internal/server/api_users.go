package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
	"ratify/internal/store"
)

type orgRefJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	ShortName string `json:"short_name"`
}

type userJSON struct {
	ID           int64       `json:"id"`
	Email        string      `json:"email"`
	Name         string      `json:"name"`
	Role         model.Role  `json:"role"`
	Active       bool        `json:"active"`
	Organisation *orgRefJSON `json:"organisation"`
}

func toUserJSON(u *model.User) userJSON {
	out := userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, Active: u.Active}
	if u.Organisation != nil {
		out.Organisation = &orgRefJSON{ID: u.Organisation.ID, Name: u.Organisation.Name, ShortName: u.Organisation.ShortName}
	}
	return out
}

// userFilterParams reads the user list filters shared by the page and the API.
func userFilterParams(c *gin.Context) (store.UserFilter, error) {
	p, err := pageParams(c)
	if err != nil {
		return store.UserFilter{}, err
	}
	f := store.UserFilter{Query: c.Query("q"), Role: model.Role(c.Query("role")), Page: p}
	fe := model.FieldErrors{}
	if len(f.Query) > 200 {
		fe.Add("q", "use at most 200 characters")
	} else if !model.PlainLine(f.Query) {
		fe.Add("q", model.NotPlainLine)
	}
	if f.Role != "" && !f.Role.Valid() {
		fe.Add("role", "choose one of: viewer, member, coordinator, admin")
	}
	if v := c.Query("organisation_id"); v != "" {
		id, err := parseID(v)
		if err != nil {
			fe.Add("organisation_id", "must be an organisation id")
		}
		f.OrganisationID = id
	}
	return f, fe.Err()
}

func (s *Server) apiListUsers(c *gin.Context) {
	f, err := userFilterParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	users, total, err := s.svc.ListUsers(c.Request.Context(), actor(c), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]userJSON, len(users))
	for i := range users {
		items[i] = toUserJSON(&users[i])
	}
	c.JSON(http.StatusOK, newList(items, total, f.Page))
}

func (s *Server) apiGetUser(c *gin.Context) {
	id, err := idParam(c, "id", "user")
	if err == nil {
		var u *model.User
		if u, err = s.svc.GetUser(c.Request.Context(), actor(c), id); err == nil {
			c.JSON(http.StatusOK, toUserJSON(u))
			return
		}
	}
	s.fail(c, err)
}

type createUserRequest struct {
	Email          string     `json:"email"`
	Name           string     `json:"name"`
	Role           model.Role `json:"role"`
	OrganisationID int64      `json:"organisation_id"`
	Password       string     `json:"password"`
}

type createdUserJSON struct {
	userJSON
	// GeneratedPassword is present only when the request left password empty.
	GeneratedPassword string `json:"generated_password,omitempty"`
}

func (s *Server) apiCreateUser(c *gin.Context) {
	var in createUserRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	u, pw, err := s.svc.CreateUser(c.Request.Context(), actor(c), service.NewUser(in))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := createdUserJSON{userJSON: toUserJSON(u)}
	if in.Password == "" {
		out.GeneratedPassword = pw
	}
	c.JSON(http.StatusCreated, out)
}

type patchUserRequest struct {
	Email          *string     `json:"email"`
	Name           *string     `json:"name"`
	Role           *model.Role `json:"role"`
	OrganisationID *int64      `json:"organisation_id"`
	Active         *bool       `json:"active"`
	Password       *string     `json:"password"`
}

func (s *Server) apiPatchUser(c *gin.Context) {
	id, err := idParam(c, "id", "user")
	if err != nil {
		s.fail(c, err)
		return
	}
	var in patchUserRequest
	if err := decodeJSON(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	u, pw, err := s.svc.UpdateUser(c.Request.Context(), actor(c), id, service.UserPatch(in))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := createdUserJSON{userJSON: toUserJSON(u)}
	if in.Password != nil && *in.Password == "" {
		out.GeneratedPassword = pw
	}
	c.JSON(http.StatusOK, out)
}

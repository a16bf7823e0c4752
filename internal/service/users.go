package service

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/store"
)

// ListUsers is for admins.
func (s *Service) ListUsers(ctx context.Context, a Actor, f store.UserFilter) ([]model.User, int64, error) {
	if err := require(a, auth.ManageUsersAndOrgs); err != nil {
		return nil, 0, err
	}
	return s.store.ListUsers(ctx, f)
}

// GetUser is for admins.
func (s *Service) GetUser(ctx context.Context, a Actor, id int64) (*model.User, error) {
	if err := require(a, auth.ManageUsersAndOrgs); err != nil {
		return nil, err
	}
	return s.store.GetUser(ctx, id)
}

// NewUser is the input for creating a user. An empty Password means "generate one".
type NewUser struct {
	Email          string
	Name           string
	Role           model.Role
	OrganisationID int64
	Password       string
}

// CreateUser adds a user. It returns the password that was set, which is the
// generated one when none was given, so it can be shown once.
func (s *Service) CreateUser(ctx context.Context, a Actor, in NewUser) (*model.User, string, error) {
	if err := require(a, auth.ManageUsersAndOrgs); err != nil {
		return nil, "", err
	}
	return s.createUser(ctx, a, in)
}

func (s *Service) createUser(ctx context.Context, a Actor, in NewUser) (*model.User, string, error) {
	now := s.now().UTC()
	u := &model.User{Email: in.Email, Name: in.Name, Role: in.Role, OrganisationID: in.OrganisationID,
		Active: true, TokenVersion: 1, DigestEnabled: true, DigestHour: 7, CreatedAt: now, UpdatedAt: now}
	fe := model.FieldErrors{}
	u.ValidateProfile(fe)
	pw := in.Password
	if pw == "" {
		var err error
		if pw, err = auth.GeneratePassword(); err != nil {
			return nil, "", err
		}
	} else if err := s.hasher.CheckPolicy(pw); err != nil {
		e, _ := model.AsError(err)
		fe.Add("password", e.Fields["password"])
	}
	if u.OrganisationID > 0 {
		if _, err := s.store.GetOrganisation(ctx, u.OrganisationID); model.ErrorCode(err) == model.CodeNotFound {
			fe.Add("organisation_id", "no such organisation")
		} else if err != nil {
			return nil, "", err
		}
	}
	if err := fe.Err(); err != nil {
		return nil, "", err
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return nil, "", err
	}
	u.PasswordHash = hash
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateUser(ctx, u); err != nil {
			return err
		}
		return s.audit(ctx, a, "user.create", "user", strconv.FormatInt(u.ID, 10),
			fmt.Sprintf("created %s (%s) as %s in organisation %d", u.Email, u.Name, u.Role, u.OrganisationID))
	})
	if err != nil {
		return nil, "", err
	}
	created, err := s.store.GetUser(ctx, u.ID)
	return created, pw, err
}

// UserPatch changes some fields of a user; nil fields stay as they are.
type UserPatch struct {
	Email          *string
	Name           *string
	Role           *model.Role
	OrganisationID *int64
	Active         *bool
	// Password resets the password; "" (non-nil) generates one.
	Password *string
}

// UpdateUser applies an admin's edit. A role change, deactivation or password
// reset revokes the user's tokens. Admins cannot demote or deactivate
// themselves, so an installation always keeps an admin.
func (s *Service) UpdateUser(ctx context.Context, a Actor, id int64, p UserPatch) (*model.User, string, error) {
	if err := require(a, auth.ManageUsersAndOrgs); err != nil {
		return nil, "", err
	}
	u, err := s.store.GetUser(ctx, id)
	if err != nil {
		return nil, "", err
	}
	before := *u
	if p.Email != nil {
		u.Email = *p.Email
	}
	if p.Name != nil {
		u.Name = *p.Name
	}
	if p.Role != nil {
		u.Role = *p.Role
	}
	if p.OrganisationID != nil {
		u.OrganisationID = *p.OrganisationID
	}
	if p.Active != nil {
		u.Active = *p.Active
	}
	fe := model.FieldErrors{}
	u.ValidateProfile(fe)
	if u.ID == a.User.ID {
		if u.Role != before.Role {
			fe.Add("role", "you cannot change your own role; ask another admin")
		}
		if !u.Active {
			fe.Add("active", "you cannot deactivate yourself; ask another admin")
		}
	}
	var newPassword string
	if p.Password != nil {
		newPassword = *p.Password
		if newPassword == "" {
			if newPassword, err = auth.GeneratePassword(); err != nil {
				return nil, "", err
			}
		} else if err := s.hasher.CheckPolicy(newPassword); err != nil {
			e, _ := model.AsError(err)
			fe.Add("password", e.Fields["password"])
		}
	}
	if u.OrganisationID != before.OrganisationID && u.OrganisationID > 0 {
		if _, err := s.store.GetOrganisation(ctx, u.OrganisationID); model.ErrorCode(err) == model.CodeNotFound {
			fe.Add("organisation_id", "no such organisation")
		} else if err != nil {
			return nil, "", err
		}
	}
	if err := fe.Err(); err != nil {
		return nil, "", err
	}
	var hash string
	if p.Password != nil {
		if hash, err = s.hasher.Hash(ctx, newPassword); err != nil {
			return nil, "", err
		}
	}
	changes := describeUserChanges(&before, u, p.Password != nil)
	if len(changes) == 0 {
		return u, "", nil
	}
	revoke := u.Role != before.Role || u.Active != before.Active || u.OrganisationID != before.OrganisationID
	u.UpdatedAt = s.now().UTC()
	err = s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateUserProfile(ctx, u); err != nil {
			return err
		}
		if revoke {
			if err := s.store.BumpTokenVersion(ctx, u.ID, u.UpdatedAt); err != nil {
				return err
			}
		}
		if hash != "" {
			if err := s.store.SetPassword(ctx, u.ID, hash, u.UpdatedAt); err != nil {
				return err
			}
		}
		return s.audit(ctx, a, "user.update", "user", strconv.FormatInt(u.ID, 10),
			fmt.Sprintf("%s: %s", u.Email, strings.Join(changes, "; ")))
	})
	if err != nil {
		return nil, "", err
	}
	updated, err := s.store.GetUser(ctx, u.ID)
	return updated, newPassword, err
}

func describeUserChanges(b, a *model.User, password bool) []string {
	var out []string
	if b.Email != a.Email {
		out = append(out, fmt.Sprintf("email %s → %s", b.Email, a.Email))
	}
	if b.Name != a.Name {
		out = append(out, fmt.Sprintf("name %q → %q", b.Name, a.Name))
	}
	if b.Role != a.Role {
		out = append(out, fmt.Sprintf("role %s → %s", b.Role, a.Role))
	}
	if b.OrganisationID != a.OrganisationID {
		out = append(out, fmt.Sprintf("organisation %d → %d", b.OrganisationID, a.OrganisationID))
	}
	if b.Active != a.Active {
		if a.Active {
			out = append(out, "reactivated")
		} else {
			out = append(out, "deactivated")
		}
	}
	if password {
		out = append(out, "password reset")
	}
	return out
}

// SetPasswordByEmail is the command-line reset for operators; it needs no actor
// because whoever runs the binary already holds the database.
func (s *Service) SetPasswordByEmail(ctx context.Context, email, pw string) error {
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil {
		return err
	}
	if err := s.hasher.CheckPolicy(pw); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetPassword(ctx, u.ID, hash, s.now().UTC()); err != nil {
			return err
		}
		return s.audit(ctx, Actor{IP: "cli"}, "user.update", "user", strconv.FormatInt(u.ID, 10), u.Email+": password reset from the command line")
	})
}

// CreateUserCLI creates a user from the command line, in the organisation
// with the given short name.
func (s *Service) CreateUserCLI(ctx context.Context, in NewUser, orgShortName string) (*model.User, string, error) {
	o, err := s.store.OrganisationByShortName(ctx, orgShortName)
	if err != nil {
		return nil, "", fmt.Errorf("organisation %q: %w", orgShortName, err)
	}
	in.OrganisationID = o.ID
	return s.createUser(ctx, Actor{IP: "cli"}, in)
}

// AllUsersCLI lists every user for `ratify user list`.
func (s *Service) AllUsersCLI(ctx context.Context) ([]model.User, error) {
	var out []model.User
	for page := 1; ; page++ {
		us, total, err := s.store.ListUsers(ctx, store.UserFilter{Page: model.Page{Number: page, PerPage: model.MaxPerPage}})
		if err != nil {
			return nil, err
		}
		out = append(out, us...)
		if int64(len(out)) >= total || len(us) == 0 {
			return out, nil
		}
	}
}

// ActorForCLI resolves the user a command-line action is recorded under;
// the user must be active.
func (s *Service) ActorForCLI(ctx context.Context, email string) (Actor, error) {
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil {
		return Actor{}, fmt.Errorf("user %q: %w", email, err)
	}
	if !u.Active {
		return Actor{}, fmt.Errorf("user %q is deactivated", email)
	}
	return Actor{User: u, IP: "cli"}, nil
}

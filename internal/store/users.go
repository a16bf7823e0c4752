package store

import (
	"context"
	"strings"
	"time"

	"ratify/internal/model"
)

// UserFilter narrows the user list.
type UserFilter struct {
	Query          string // matches name or email
	OrganisationID int64
	Role           model.Role
	Page           model.Page
}

// ListUsers returns one page of users with their organisations, and the total.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]model.User, int64, error) {
	q := s.conn(ctx).Model(&model.User{})
	if t := strings.TrimSpace(f.Query); t != "" {
		like := "%" + escapeLike(strings.ToLower(t)) + "%"
		q = q.Where("(lower(name) LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')", like, like)
	}
	if f.OrganisationID > 0 {
		q = q.Where("organisation_id = ?", f.OrganisationID)
	}
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, mapErr(err, "users")
	}
	p := f.Page.Normalize()
	var out []model.User
	err := q.Preload("Organisation").Order("lower(name), id").Offset(p.Offset()).Limit(p.PerPage).Find(&out).Error
	return out, total, mapErr(err, "users")
}

// CountUsers counts every user, active or not.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.conn(ctx).Model(&model.User{}).Count(&n).Error
	return n, mapErr(err, "users")
}

// GetUser loads a user with the organisation.
func (s *Store) GetUser(ctx context.Context, id int64) (*model.User, error) {
	var u model.User
	// Every request signs its user in through here: one query, not two.
	err := s.conn(ctx).Joins("Organisation").Where("users.id = ?", id).First(&u).Error
	return &u, mapErr(err, "user")
}

// UserByEmail finds a user by address, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (*model.User, error) {
	var u model.User
	err := s.conn(ctx).Preload("Organisation").Where("lower(email) = ?", model.NormalizeEmail(email)).First(&u).Error
	return &u, mapErr(err, "user")
}

// CreateUser inserts u; a taken email is a conflict on the email field.
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	err := s.conn(ctx).Omit("Organisation").Create(u).Error
	return userConflict(mapErr(err, "user"))
}

// UpdateUserProfile writes the admin-editable columns, zero values included.
// The token version is never written from a copy (a concurrent logout would
// be undone); revocation goes through BumpTokenVersion.
func (s *Store) UpdateUserProfile(ctx context.Context, u *model.User) error {
	res := s.conn(ctx).Model(u).Omit("Organisation").
		Select("email", "name", "role", "organisation_id", "active", "updated_at").Updates(u)
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("user")
	}
	return userConflict(mapErr(res.Error, "user"))
}

// SetPassword stores a new hash and bumps the token version so old tokens die.
func (s *Store) SetPassword(ctx context.Context, id int64, hash string, now time.Time) error {
	res := s.conn(ctx).Model(&model.User{}).Where("id = ?", id).Updates(map[string]any{
		"password_hash": hash, "token_version": gormExpr("token_version + 1"),
		"failed_logins": 0, "locked_until": nil, "updated_at": now,
	})
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("user")
	}
	return mapErr(res.Error, "user")
}

// BumpTokenVersion revokes every token issued to the user so far.
func (s *Store) BumpTokenVersion(ctx context.Context, id int64, now time.Time) error {
	res := s.conn(ctx).Model(&model.User{}).Where("id = ?", id).Updates(map[string]any{
		"token_version": gormExpr("token_version + 1"), "updated_at": now,
	})
	if res.Error == nil && res.RowsAffected == 0 {
		return model.NotFound("user")
	}
	return mapErr(res.Error, "user")
}

// RecordLoginFailure counts a failed password within the window and locks the
// account once the limit is reached; u gets the updated count and lock. The
// write only lands if the count is still the one u holds (compare-and-set), so
// parallel failures are each counted instead of overwriting one another.
func (s *Store) RecordLoginFailure(ctx context.Context, u *model.User, now time.Time, window time.Duration, limit int, lockFor time.Duration) error {
	for {
		failed := u.FailedLogins + 1
		if u.LastFailedAt == nil || now.Sub(*u.LastFailedAt) > window {
			failed = 1
		}
		upd := map[string]any{"failed_logins": failed, "last_failed_at": now}
		var until *time.Time
		if failed >= limit {
			t := now.Add(lockFor)
			upd["locked_until"], until = t, &t
		}
		res := s.conn(ctx).Model(&model.User{}).Where("id = ? AND failed_logins = ?", u.ID, u.FailedLogins).Updates(upd)
		if res.Error != nil {
			return mapErr(res.Error, "user")
		}
		if res.RowsAffected > 0 {
			u.FailedLogins, u.LastFailedAt = failed, &now
			if until != nil {
				u.LockedUntil = until
			}
			return nil
		}
		// Another sign-in changed the count since u was read: read it again.
		cur, err := s.GetUser(ctx, u.ID)
		if err != nil {
			return err
		}
		u.FailedLogins, u.LastFailedAt, u.LockedUntil = cur.FailedLogins, cur.LastFailedAt, cur.LockedUntil
	}
}

// RecordLoginSuccess clears the failure count and stamps the login time.
func (s *Store) RecordLoginSuccess(ctx context.Context, id int64, now time.Time) error {
	return mapErr(s.conn(ctx).Model(&model.User{}).Where("id = ?", id).Updates(map[string]any{
		"failed_logins": 0, "last_failed_at": nil, "locked_until": nil, "last_login_at": now,
	}).Error, "user")
}

// UpdateUserName changes only the display name.
func (s *Store) UpdateUserName(ctx context.Context, id int64, name string, now time.Time) error {
	return mapErr(s.conn(ctx).Model(&model.User{}).Where("id = ?", id).
		Updates(map[string]any{"name": name, "updated_at": now}).Error, "user")
}

func userConflict(err error) error {
	if model.ErrorCode(err) == model.CodeConflict {
		return &model.Error{Code: model.CodeConflict, Message: "that email address is taken",
			Fields: map[string]string{"email": "another user has this email address"}}
	}
	return err
}

// escapeLike makes user text literal inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

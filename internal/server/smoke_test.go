package server_test

import (
	"testing"

	"ratify/internal/dbtest"
	"ratify/internal/store"
)

func TestLoginAndMe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		res := e.do("GET", "/api/v1/me", e.token("member@a.test"), nil)
		if res.Status != 200 {
			t.Fatalf("me: %d %s", res.Status, res.Body)
		}
		var me struct {
			Email        string
			Role         string
			Organisation struct {
				ShortName string `json:"short_name"`
			}
		}
		res.decode(t, &me)
		if me.Email != "member@a.test" || me.Role != "member" || me.Organisation.ShortName != "A" {
			t.Fatalf("me = %+v", me)
		}
	})
}

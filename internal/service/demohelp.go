package service

import (
	"slices"

	"ratify/internal/model"
	"ratify/internal/store"
)

func storeAllUsers() store.UserFilter {
	return store.UserFilter{Page: model.Page{PerPage: model.MaxPerPage}}
}

func sortStrings(s []string) { slices.Sort(s) }

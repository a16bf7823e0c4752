package server

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"ratify/internal/auth"
	"ratify/internal/model"
	"ratify/internal/store"
)

// contactConfirmView is the confirmation page before deleting, erasing or
// merging a contact: destructive steps are confirmed on a page, not in script.
type contactConfirmView struct {
	Action     string // delete, erase or merge
	C          *model.Contact
	Outreach   int64 // visible outreach records naming the contact
	Followups  int64 // open follow-ups about the contact
	Candidates []mergeCandidate
	Message    string
}

// mergeCandidate is a look-alike offered for merging, with what hangs on it.
type mergeCandidate struct {
	C        *model.Contact
	Reason   string
	Outreach int64
}

// contactConfirmData loads the contact and counts what hangs on it.
func (s *Server) contactConfirmData(c *gin.Context, action string, need auth.Action) (contactConfirmView, error) {
	a := actor(c)
	if !a.Can(need) {
		return contactConfirmView{}, model.Forbidden()
	}
	id, err := idParam(c, "id", "contact")
	if err != nil {
		return contactConfirmView{}, err
	}
	ct, err := s.svc.Contact(c.Request.Context(), a, id)
	if err != nil {
		return contactConfirmView{}, err
	}
	v := contactConfirmView{Action: action, C: ct}
	if v.Outreach, err = s.outreachCount(c, id); err != nil {
		return v, err
	}
	_, v.Followups, err = s.svc.ListFollowups(c.Request.Context(), a, store.FollowupFilter{ContactID: id, Status: model.FollowupOpen, Page: model.Page{PerPage: 1}})
	return v, err
}

func (s *Server) outreachCount(c *gin.Context, contactID int64) (int64, error) {
	_, n, err := s.svc.ListOutreach(c.Request.Context(), actor(c), store.OutreachFilter{ContactID: contactID, Page: model.Page{PerPage: 1}})
	return n, err
}

func (s *Server) contactConfirmPage(c *gin.Context, action string, need auth.Action, title string) {
	v, err := s.contactConfirmData(c, action, need)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "contact_confirm.html", title+" "+v.C.FullName(), v)
}

func (s *Server) contactDeletePage(c *gin.Context) {
	s.contactConfirmPage(c, "delete", auth.EditContacts, "Delete")
}

// contactDeleteSubmit deletes a contact. One named in outreach needs
// confirm=yes; without it the confirmation page comes back with 409.
func (s *Server) contactDeleteSubmit(c *gin.Context) {
	v, err := s.contactConfirmData(c, "delete", auth.EditContacts)
	if err == nil {
		err = s.svc.DeleteContact(c.Request.Context(), actor(c), v.C.ID, c.PostForm("confirm") == "yes")
	}
	if err != nil {
		if e, ok := model.AsError(err); ok && e.Code == model.CodeConflict {
			v.Message = e.Message + "."
			s.render(c, http.StatusConflict, "contact_confirm.html", "Delete "+v.C.FullName(), v)
			return
		}
		s.fail(c, err)
		return
	}
	msg := truncateRunes(v.C.FullName(), 50) + " was deleted."
	if v.Outreach > 0 {
		msg += fmt.Sprintf(" The %d outreach record(s) stay and show a removed contact.", v.Outreach)
	}
	s.flash(c, msg)
	c.Redirect(http.StatusSeeOther, "/contacts")
}

func (s *Server) contactErasePage(c *gin.Context) {
	s.contactConfirmPage(c, "erase", auth.AssignFollowups, "Erase")
}

// contactEraseSubmit erases a person's data for good (coordinators, admins).
func (s *Server) contactEraseSubmit(c *gin.Context) {
	v, err := s.contactConfirmData(c, "erase", auth.AssignFollowups)
	if err != nil {
		s.fail(c, err)
		return
	}
	if c.PostForm("confirm") != "yes" {
		v.Message = "Tick the box to confirm the erasure; nothing was erased."
		s.render(c, http.StatusBadRequest, "contact_confirm.html", "Erase "+v.C.FullName(), v)
		return
	}
	if err := s.svc.EraseContact(c.Request.Context(), actor(c), v.C.ID); err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, fmt.Sprintf("Contact #%d was erased; %d address(es) are on the suppression list.", v.C.ID, len(v.C.Emails)))
	c.Redirect(http.StatusSeeOther, "/contacts")
}

// contactMergePage offers the contact's look-alikes (and, with ?with=ID, any
// other contact) for merging, each with a choice of which record to keep.
func (s *Server) contactMergePage(c *gin.Context) {
	v, err := s.contactConfirmData(c, "merge", auth.AssignFollowups)
	if err != nil {
		s.fail(c, err)
		return
	}
	a := actor(c)
	ctx := c.Request.Context()
	dups, err := s.svc.ContactDuplicates(ctx, a, v.C.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	seen := map[int64]bool{v.C.ID: true}
	add := func(id int64, reason string) error {
		if seen[id] {
			return nil
		}
		seen[id] = true
		full, err := s.svc.Contact(ctx, a, id)
		if err != nil {
			return err
		}
		n, err := s.outreachCount(c, id)
		if err != nil {
			return err
		}
		v.Candidates = append(v.Candidates, mergeCandidate{C: full, Reason: reason, Outreach: n})
		return nil
	}
	if w := c.Query("with"); w != "" {
		id, err := parseID(w)
		if err == nil {
			err = add(id, "chosen by you")
		}
		if model.ErrorCode(err) == model.CodeNotFound || model.ErrorCode(err) == model.CodeInvalid {
			v.Message = "There is no contact number " + strconv.Quote(w) + "."
		} else if err != nil {
			s.fail(c, err)
			return
		}
	}
	for _, d := range dups {
		if err := add(d.Contact.ID, d.Reason); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.render(c, http.StatusOK, "contact_confirm.html", "Merge "+v.C.FullName(), v)
}

// contactMergeSubmit merges two contacts: a and b are the pair, keep is the
// one that stays; the other's posts, outreach and follow-ups move to it.
func (s *Server) contactMergeSubmit(c *gin.Context) {
	a := actor(c)
	if !a.Can(auth.AssignFollowups) {
		s.fail(c, model.Forbidden())
		return
	}
	x, errA := parseID(c.PostForm("a"))
	y, errB := parseID(c.PostForm("b"))
	keep, errK := parseID(c.PostForm("keep"))
	if errA != nil || errB != nil || errK != nil || (keep != x && keep != y) {
		s.fail(c, &model.Error{Code: model.CodeInvalid, Message: "choose which of the two contacts to keep",
			Fields: map[string]string{"keep": "choose one of the two"}})
		return
	}
	drop := x
	if keep == x {
		drop = y
	}
	kept, err := s.svc.MergeContacts(c.Request.Context(), a, keep, drop)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.flash(c, fmt.Sprintf("Merged contact #%d into %s: posts, outreach and follow-ups now point here.", drop, truncateRunes(kept.FullName(), 50)))
	c.Redirect(http.StatusSeeOther, "/contacts/"+strconv.FormatInt(keep, 10))
}

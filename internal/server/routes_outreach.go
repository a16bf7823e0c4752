package server

import "github.com/gin-gonic/gin"

// outreachPages registers the outreach and follow-up pages. The contact
// picker lives under /contacts/picker beside the contact pages' /contacts/:id;
// gin routes the static segment first.
func (s *Server) outreachPages(in *gin.RouterGroup) {
	in.GET("/outreach", s.outreachListPage)
	in.GET("/outreach.csv", s.outreachCSV)
	in.GET("/outreach/new", s.outreachNewPage)
	in.POST("/outreach", s.outreachCreate)
	in.GET("/outreach/:id", s.outreachPage)
	in.GET("/outreach/:id/edit", s.outreachEditPage)
	in.POST("/outreach/:id", s.outreachUpdate)
	in.GET("/outreach/:id/delete", s.outreachDeletePage)
	in.POST("/outreach/:id/delete", s.outreachDeleteSubmit)

	in.GET("/contacts/picker", s.contactPicker)
	in.GET("/contacts/picker/chip", s.contactPickerChip)
	in.GET("/contacts/picker/none", s.contactPickerNone)

	in.GET("/followups", s.followupsPage)
	in.GET("/followups/new", s.followupNewPage)
	in.POST("/followups", s.followupCreate)
	in.GET("/followups/:id", s.followupPage)
	in.POST("/followups/:id", s.followupUpdate)
	in.GET("/followups/:id/close", s.followupClosePage)
	in.POST("/followups/:id/close", s.followupCloseSubmit)

	in.POST("/account/calendar", s.accountCalendar)
}

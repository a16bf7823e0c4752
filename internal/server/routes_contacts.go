package server

import "github.com/gin-gonic/gin"

// contactPages registers the contact and institution pages. Static segments
// (new, import, tags, merge) sit beside :id at the same position; gin ≥ 1.8
// routes the static one first.
func (s *Server) contactPages(in *gin.RouterGroup) {
	in.GET("/contacts", s.contactsPage)
	in.GET("/contacts.csv", s.contactsCSV)
	in.POST("/contacts/tags", s.contactsBulkTag)
	in.GET("/contacts/new", s.contactNewPage)
	in.POST("/contacts", s.contactCreate)
	in.GET("/contacts/import", s.contactImportPage)
	in.POST("/contacts/import", s.contactImportSubmit)
	in.POST("/contacts/merge", s.contactMergeSubmit)
	in.GET("/contacts/:id", s.contactPage)
	in.POST("/contacts/:id", s.contactUpdate)
	in.GET("/contacts/:id/edit", s.contactEditPage)
	in.GET("/contacts/:id/delete", s.contactDeletePage)
	in.POST("/contacts/:id/delete", s.contactDeleteSubmit)
	in.GET("/contacts/:id/erase", s.contactErasePage)
	in.POST("/contacts/:id/erase", s.contactEraseSubmit)
	in.GET("/contacts/:id/export", s.apiContactExport)
	in.GET("/contacts/:id/merge", s.contactMergePage)
	in.POST("/contacts/:id/positions", s.contactAddPosition)
	in.POST("/contacts/:id/positions/:pid", s.contactUpdatePosition)

	in.GET("/institutions", s.institutionsPage)
	in.GET("/institutions/new", s.institutionNewPage)
	in.POST("/institutions", s.institutionCreate)
	in.GET("/institutions/:id", s.institutionPage)
	in.POST("/institutions/:id", s.institutionUpdate)
}

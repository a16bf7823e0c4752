package server

import "github.com/gin-gonic/gin"

// campaignPages registers the email pages: templates, campaigns, the
// suppression list, sender identities and the digest setting. Static
// segments (new, audience) sit beside :id; gin routes the static one first.
func (s *Server) campaignPages(in *gin.RouterGroup) {
	in.GET("/templates", s.templatesPage)
	in.GET("/templates/new", s.templateNewPage)
	in.POST("/templates", s.templateCreate)
	in.GET("/templates/:id", s.templatePage)
	in.POST("/templates/:id", s.templateUpdate)
	in.GET("/templates/:id/delete", s.templateDeletePage)
	in.POST("/templates/:id/delete", s.templateDeleteSubmit)
	in.GET("/templates/:id/preview.html", s.templatePreviewHTML)
	in.POST("/templates/:id/test", s.templateSendTest)

	in.GET("/campaigns", s.campaignsPage)
	in.GET("/campaigns/new", s.mailCampaignNewPage)
	in.POST("/campaigns", s.mailCampaignCreate)
	in.POST("/campaigns/audience", s.mailCampaignAudience)
	in.GET("/campaigns/:id", s.mailCampaignPage)
	in.POST("/campaigns/:id", s.mailCampaignUpdate)
	in.GET("/campaigns/:id/progress", s.mailCampaignProgress)
	in.POST("/campaigns/:id/start", s.mailCampaignStart)
	in.POST("/campaigns/:id/pause", s.mailCampaignChange("pause"))
	in.POST("/campaigns/:id/resume", s.mailCampaignChange("resume"))
	in.GET("/campaigns/:id/cancel", s.mailCampaignCancelPage)
	in.POST("/campaigns/:id/cancel", s.mailCampaignChange("cancel"))
	in.POST("/campaigns/:id/retry", s.mailCampaignRetry)

	in.GET("/suppressions", s.suppressionsPage)
	in.POST("/suppressions", s.suppressionAdd)
	in.POST("/suppressions/:id/delete", s.suppressionRemove)
	in.GET("/senders", s.sendersPage)
	in.POST("/senders", s.senderSave)

	in.POST("/account/digest", s.accountDigest)
}

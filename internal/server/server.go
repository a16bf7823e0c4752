// Package server is Ratify's HTTP layer: the Gin router, middleware, the
// HTML pages and the /api/v1 JSON API. Handlers bind input, call the service
// with the acting user, and render.
package server

import (
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"ratify/internal/model"
	"ratify/internal/service"
)

// Options are the settings the HTTP layer needs from config.
type Options struct {
	PublicURL      string
	SecureCookies  bool
	TrustedProxies []string
	Log            *slog.Logger
	Version        string
	// BodyLimit caps request bodies in bytes; UploadLimit caps file uploads.
	BodyLimit   int64
	UploadLimit int64
}

// Server holds the router's dependencies.
type Server struct {
	svc    *service.Service
	opts   Options
	pages  *pages
	assets *assets
	csrf   *http.CrossOriginProtection
	world  *worldShapes
}

// New builds the HTTP handler with every route.
func New(svc *service.Service, opts Options) (http.Handler, error) {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.BodyLimit <= 0 {
		opts.BodyLimit = 1 << 20
	}
	if opts.UploadLimit <= 0 {
		opts.UploadLimit = 64 << 20
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	pg, err := loadPages(as)
	if err != nil {
		return nil, err
	}
	world, err := loadWorldShapes()
	if err != nil {
		return nil, err
	}
	s := &Server{svc: svc, opts: opts, pages: pg, assets: as, csrf: http.NewCrossOriginProtection(), world: world}

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	if err := r.SetTrustedProxies(opts.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	r.Use(s.requestLog, s.recoverPanic, s.securityHeaders, s.limitBody, s.crossOrigin, s.authenticate)
	r.NoRoute(func(c *gin.Context) { s.fail(c, notFoundRoute()) })
	r.NoMethod(func(c *gin.Context) {
		s.fail(c, &model.Error{Code: model.CodeMethodNotAllowed, Message: "this address does not take " + c.Request.Method})
	})
	s.routes(r)
	return r, nil
}

func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/static/:hash/*path", s.static)
	r.GET("/favicon.ico", s.favicon)

	r.GET("/followups.ics", s.followupsICS)
	r.GET("/u/:token", s.unsubscribePage)
	r.POST("/u/:token", s.unsubscribeSubmit)
	r.GET("/login", s.loginPage)
	r.POST("/login", s.loginSubmit)
	r.POST("/logout", s.logoutSubmit)

	in := r.Group("/", s.requireUser)
	in.GET("/", s.homePage)
	in.GET("/account", s.accountPage)
	in.POST("/account/name", s.accountName)
	in.POST("/account/password", s.accountPassword)
	in.GET("/admin/users", s.usersPage)
	in.GET("/admin/users/new", s.userNewPage)
	in.POST("/admin/users", s.userCreate)
	in.GET("/admin/users/:id", s.userEditPage)
	in.POST("/admin/users/:id", s.userUpdate)
	in.POST("/admin/users/:id/password", s.userResetPassword)
	in.POST("/admin/users/:id/active", s.userSetActive)
	in.GET("/admin/organisations", s.orgsPage)
	in.GET("/admin/organisations/new", s.orgNewPage)
	in.POST("/admin/organisations", s.orgCreate)
	in.GET("/admin/organisations/:id", s.orgEditPage)
	in.POST("/admin/organisations/:id", s.orgUpdate)
	in.GET("/audit", s.auditPage)
	in.GET("/countries", s.countriesPage)
	in.GET("/countries.csv", s.countriesCSV)
	in.GET("/map", s.mapPage)
	in.GET("/countries/:iso3", s.dossierPage)
	in.GET("/countries/:iso3/campaign", s.campaignEditPage)
	in.GET("/countries/:iso3/history/:code", s.historyPage)
	in.POST("/countries/:iso3/campaign", s.campaignUpdate)
	in.GET("/countries/:iso3/ratifications/:code", s.ratificationFormPage)
	in.POST("/countries/:iso3/ratifications/:code", s.ratificationSubmit)
	in.GET("/ratifications/import", s.importPage)
	in.POST("/ratifications/import", s.importSubmit)
	in.GET("/admin/stages", s.stagesPage)
	in.POST("/admin/stages", s.stageCreate)
	in.POST("/admin/stages/:id", s.stageUpdate)
	in.POST("/admin/stages/:id/delete", s.stageDelete)
	in.GET("/admin/instruments", s.instrumentsPage)
	in.POST("/admin/instruments", s.instrumentCreate)
	s.contactPages(in)
	s.outreachPages(in)
	s.campaignPages(in)

	api := r.Group("/api/v1")
	api.POST("/auth/login", s.apiLogin)
	api.GET("/openapi.json", s.openAPI)
	authed := api.Group("", s.requireUser)
	authed.POST("/auth/logout", s.apiLogout)
	authed.GET("/me", s.apiMe)
	authed.GET("/users", s.apiListUsers)
	authed.POST("/users", s.apiCreateUser)
	authed.GET("/users/:id", s.apiGetUser)
	authed.PATCH("/users/:id", s.apiPatchUser)
	authed.GET("/organisations", s.apiListOrgs)
	authed.POST("/organisations", s.apiCreateOrg)
	authed.GET("/organisations/:id", s.apiGetOrg)
	authed.PATCH("/organisations/:id", s.apiPatchOrg)
	authed.GET("/audit", s.apiListAudit)
	authed.GET("/instruments", s.apiListInstruments)
	authed.POST("/instruments", s.apiCreateInstrument)
	authed.POST("/instruments/:code/import", s.apiImportRatifications)
	authed.GET("/stages", s.apiListStages)
	authed.POST("/stages", s.apiCreateStage)
	authed.PATCH("/stages/:id", s.apiPatchStage)
	authed.DELETE("/stages/:id", s.apiDeleteStage)
	authed.GET("/countries", s.apiListCountries)
	authed.GET("/countries.csv", s.countriesCSV)
	authed.GET("/countries/:iso3", s.apiGetCountry)
	authed.PATCH("/countries/:iso3", s.apiPatchCountry)
	authed.PUT("/countries/:iso3/ratifications/:code", s.apiPutRatification)
	authed.GET("/countries/:iso3/ratifications/:code/events", s.apiRatificationEvents)
	authed.GET("/institutions", s.apiListInstitutions)
	authed.POST("/institutions", s.apiCreateInstitution)
	authed.GET("/institutions/:id", s.apiGetInstitution)
	authed.PUT("/institutions/:id", s.apiUpdateInstitution)
	authed.GET("/contacts", s.apiListContacts)
	authed.POST("/contacts", s.apiCreateContact)
	authed.GET("/contacts.csv", s.contactsCSV)
	authed.POST("/contacts/import", s.apiImportContacts)
	authed.POST("/contacts/merge", s.apiMergeContacts)
	authed.POST("/contacts/tags", s.apiBulkTag)
	authed.GET("/contacts/:id", s.apiGetContact)
	authed.PUT("/contacts/:id", s.apiUpdateContact)
	authed.DELETE("/contacts/:id", s.apiDeleteContact)
	authed.GET("/contacts/:id/duplicates", s.apiContactDuplicates)
	authed.GET("/contacts/:id/export", s.apiContactExport)
	authed.POST("/contacts/:id/erase", s.apiContactErase)
	authed.GET("/contacts/:id/positions", s.apiListPositions)
	authed.POST("/contacts/:id/positions", s.apiAddPosition)
	authed.PUT("/contacts/:id/positions/:pid", s.apiUpdatePosition)
	authed.GET("/outreach", s.apiListOutreach)
	authed.POST("/outreach", s.apiCreateOutreach)
	authed.GET("/outreach.csv", s.outreachCSV)
	authed.GET("/outreach/:id", s.apiGetOutreach)
	authed.PUT("/outreach/:id", s.apiUpdateOutreach)
	authed.DELETE("/outreach/:id", s.apiDeleteOutreach)
	authed.GET("/followups", s.apiListFollowups)
	authed.POST("/followups", s.apiCreateFollowup)
	authed.GET("/followups/:id", s.apiGetFollowup)
	authed.PUT("/followups/:id", s.apiUpdateFollowup)
	authed.POST("/followups/:id/close", s.apiCloseFollowup)
	authed.GET("/templates", s.apiListTemplates)
	authed.POST("/templates", s.apiCreateTemplate)
	authed.GET("/templates/:id", s.apiGetTemplate)
	authed.PUT("/templates/:id", s.apiUpdateTemplate)
	authed.DELETE("/templates/:id", s.apiDeleteTemplate)
	authed.POST("/templates/:id/preview", s.apiPreviewTemplate)
	authed.GET("/senders", s.apiListSenders)
	authed.POST("/senders", s.apiCreateSender)
	authed.GET("/campaigns", s.apiListCampaigns)
	authed.POST("/campaigns", s.apiCreateCampaign)
	authed.GET("/campaigns/:id", s.apiGetCampaign)
	authed.PUT("/campaigns/:id", s.apiUpdateCampaign)
	authed.POST("/campaigns/:id/:action", s.apiCampaignAction)
	authed.GET("/campaigns/:id/recipients", s.apiListRecipients)
	authed.POST("/audience/preview", s.apiAudiencePreview)
	authed.GET("/suppressions", s.apiListSuppressions)
	authed.POST("/suppressions", s.apiAddSuppression)
	authed.DELETE("/suppressions/:id", s.apiDeleteSuppression)
}

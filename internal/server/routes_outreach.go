package server

import "github.com/gin-gonic/gin"

// outreachPages registers the outreach and follow-up pages.
func (s *Server) outreachPages(in *gin.RouterGroup) {}

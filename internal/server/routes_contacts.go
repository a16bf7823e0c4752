package server

import "github.com/gin-gonic/gin"

// contactPages registers the contact and institution pages.
func (s *Server) contactPages(in *gin.RouterGroup) {}

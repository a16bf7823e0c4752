package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.opts.Version})
}

// readyz is ready when the database answers and no migration is pending.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	st, err := s.svc.Ready(ctx)
	if err != nil {
		logger(c).Warn("not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "database": "unreachable"})
		return
	}
	body := gin.H{"database": "ok", "migrations": st}
	if st.Pending > 0 || st.Current != st.Latest {
		body["status"] = "migrations pending"
		c.JSON(http.StatusServiceUnavailable, body)
		return
	}
	body["status"] = "ready"
	c.JSON(http.StatusOK, body)
}

package web

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// MountCluster serves GET /api/v1/cluster: the shop's hubs (each with its
// register API URL, role, applied index and lag), the leader and warnings,
// so a register learns every hub it can fail over to.
func (s *Server) MountCluster(status func(ctx context.Context) any) {
	s.e.GET("/api/v1/cluster", func(c echo.Context) error {
		return c.JSON(http.StatusOK, status(c.Request().Context()))
	}, s.auth)
}

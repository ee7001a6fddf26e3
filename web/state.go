package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// state answers this hub's ledger fingerprint: the index applied, the
// journal's head and a hash of the whole state. Hubs at the same index
// must answer alike; it is read from local state and hashes all of it, so
// it is for checks and diagnosis, not for every sale.
func (s *Server) state(c echo.Context) error {
	fp, err := s.till.L.Fingerprint()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, fp)
}

package web

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

//go:embed display.html
var displayPage []byte

// customerPage is the customer-facing display: a page for a second screen
// or a cheap tablet turned to the customer, showing the register's sale,
// total and change live. It takes the register's token from the address
// (#token=…) and listens on the register's event stream.
func customerPage(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	return c.Blob(http.StatusOK, "text/html; charset=utf-8", displayPage)
}

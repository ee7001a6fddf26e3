package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// events streams the register's live events (scans from its scanner, its
// devices' state) as Server-Sent Events until the register goes away.
func (s *Server) events(c echo.Context) error {
	if s.Events == nil {
		return &apiError{http.StatusNotFound, "no_events", "this hub has no devices to stream", false}
	}
	reg := c.Get("register").(string)
	evs, cancel := s.Events.Subscribe(reg)
	defer cancel()
	w := c.Response()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": kasse events\n\n")
	w.Flush()
	keep := time.NewTicker(15 * time.Second)
	defer keep.Stop()
	// The register's ledger state (drawer, who is logged in) is checked
	// locally a few times a second and sent when it changes.
	poll := time.NewTicker(250 * time.Millisecond)
	defer poll.Stop()
	var last *regStatus
	for {
		select {
		case <-c.Request().Context().Done():
			return nil
		case <-poll.C:
			st := s.status(reg)
			if last != nil && *last == st {
				continue
			}
			last = &st
			b, _ := json.Marshal(st)
			fmt.Fprintf(w, "event: status\ndata: %s\n\n", b)
		case <-keep.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case ev := <-evs:
			b, err := json.Marshal(ev)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev.Type, b)
		}
		w.Flush()
	}
}

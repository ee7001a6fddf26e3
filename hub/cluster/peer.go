package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kasse/kasse/hub/ledger"
	"github.com/kasse/kasse/hub/pki"
	"github.com/kasse/kasse/replicate"
)

// Handler is the peer API, served on the hub port (replicate.Mux.Peer)
// with ConnContext replicate.PeerConnContext.
//
//	POST   /peer/v1/join          a new hub with a token (no certificate yet)
//	POST   /peer/v1/propose       a command forwarded to the leader
//	GET    /peer/v1/self          this hub's state and applied index
//	GET    /peer/v1/status        the cluster's status
//	POST   /peer/v1/tokens        a new join token {"ttl":"1h"}
//	POST   /peer/v1/members       add a hub as a non-voter {"id","raft"}
//	DELETE /peer/v1/members/{id}  remove a hub
func (c *Cluster) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /peer/v1/join", c.handleJoin)
	hub := func(h http.HandlerFunc) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if pki.PeerID(replicate.PeerTLS(r.Context())) == "" {
				c.Log.Warn("refused a peer call without a hub certificate", "path", r.URL.Path, "remote", r.RemoteAddr)
				writeErr(w, http.StatusUnauthorized, "certificate_required", "only hubs of this shop may call this")
				return
			}
			h(w, r)
		})
	}
	mux.Handle(replicate.ForwardPath, hub(c.Fwd.Handler().ServeHTTP))
	mux.Handle("GET /peer/v1/self", hub(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, c.self()) }))
	mux.Handle("GET /peer/v1/status", hub(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, c.Status(r.Context())) }))
	mux.Handle("POST /peer/v1/tokens", hub(c.handleToken))
	c.keyRoutes(mux, hub)
	mux.Handle("POST /peer/v1/members", hub(func(w http.ResponseWriter, r *http.Request) {
		var m memberReq
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || m.ID == "" || m.Raft == "" {
			writeErr(w, http.StatusBadRequest, "bad_request", "give the hub's id and raft address")
			return
		}
		if id := pki.PeerID(replicate.PeerTLS(r.Context())); id != m.ID && id != c.Self.ID {
			// A hub adds itself; forwarded from a follower, the follower's
			// certificate speaks for it.
			if _, known := c.member(id); !known {
				writeErr(w, http.StatusForbidden, "forbidden", "a hub may only add itself")
				return
			}
		}
		c.answer(w, c.AddMember(r.Context(), m.ID, m.Raft), nil)
	}))
	mux.Handle("DELETE /peer/v1/members/{id}", hub(func(w http.ResponseWriter, r *http.Request) {
		c.answer(w, c.RemoveMember(r.Context(), r.PathValue("id")), nil)
	}))
	return mux
}

func (c *Cluster) member(id string) (replicate.Member, bool) {
	ms, _ := c.Node.Members()
	for _, m := range ms {
		if m.ID == id {
			return m, true
		}
	}
	return replicate.Member{}, false
}

func (c *Cluster) handleJoin(w http.ResponseWriter, r *http.Request) {
	var jr JoinRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&jr); err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", "the join request is not JSON: "+err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	out, err := c.admit(ctx, jr)
	if err != nil {
		c.Log.Warn("refused a hub's join", "hub", jr.Hub.ID, "remote", r.RemoteAddr, "err", err)
	}
	c.answer(w, err, out)
}

func (c *Cluster) handleToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		TTL string `json:"ttl"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	ttl, err := time.ParseDuration(req.TTL)
	if req.TTL == "" {
		ttl, err = time.Hour, nil
	}
	if err != nil {
		writeErr(w, http.StatusBadRequest, "bad_request", "ttl is a duration such as 1h")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	t, exp, err := c.NewToken(ctx, ttl)
	c.answer(w, err, map[string]any{"token": t.String(), "expires": exp})
}

// answer writes out, or err as {"code","message"} with its status.
func (c *Cluster) answer(w http.ResponseWriter, err error, out any) {
	var rej *ledger.Rejection
	var pe *peerError
	switch {
	case err == nil:
		if out == nil {
			out = map[string]string{"status": "ok"}
		}
		writeJSON(w, out)
	case errors.As(err, &rej):
		writeErr(w, http.StatusForbidden, rej.Code, rej.Message)
	case errors.As(err, &pe):
		writeErr(w, http.StatusBadGateway, pe.Code, pe.Message)
	case errors.Is(err, replicate.ErrNoLeader), errors.Is(err, replicate.ErrNotLeader), errors.Is(err, replicate.ErrTimeout),
		errors.Is(err, replicate.ErrLeadershipLost), errors.Is(err, replicate.ErrShutdown):
		w.Header().Set("Retry-After", "1")
		writeErr(w, http.StatusServiceUnavailable, "unavailable", err.Error())
	default:
		writeErr(w, http.StatusInternalServerError, "internal", err.Error())
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(peerError{Code: code, Message: msg})
}

// Status is the cluster as one hub sees it.
type Status struct {
	Hub      string         `json:"hub"`    // who answers
	Leader   string         `json:"leader"` // "" when none is known
	Healthy  bool           `json:"healthy"`
	Members  []MemberStatus `json:"members"`
	Warnings []string       `json:"warnings"`
}

// MemberStatus is one hub in the status.
type MemberStatus struct {
	ID        string `json:"id"`
	Raft      string `json:"raft"`
	API       string `json:"api,omitempty"`
	Role      string `json:"role"`  // voter or nonvoter
	State     string `json:"state"` // Leader, Follower, Candidate, or unreachable
	Applied   uint64 `json:"applied"`
	Lag       uint64 `json:"lag"` // commands behind the most advanced hub
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
}

// Status asks every member for its state (a second each at most, scaled).
func (c *Cluster) Status(ctx context.Context) Status {
	st := Status{Hub: c.Self.ID, Warnings: []string{}}
	st.Leader, _ = c.Node.Leader()
	ms, err := c.Node.Members()
	if err != nil {
		st.Warnings = append(st.Warnings, "the cluster's configuration cannot be read: "+err.Error())
		return st
	}
	apis := map[string]string{}
	if hubs, err := c.Ledger.Hubs(); err == nil {
		for _, h := range hubs {
			apis[h.ID] = h.API
		}
	}
	st.Members = make([]MemberStatus, len(ms))
	var wg sync.WaitGroup
	voters := 0
	for i, m := range ms {
		role := "nonvoter"
		if m.Voter {
			role, voters = "voter", voters+1
		}
		st.Members[i] = MemberStatus{ID: m.ID, Raft: m.Addr, API: apis[m.ID], Role: role}
		wg.Go(func() {
			ms := &st.Members[i]
			var s Self
			var err error
			if m.ID == c.Self.ID {
				s = c.self()
			} else if s, err = c.peerSelf(ctx, m.Addr); err != nil {
				ms.State, ms.Error = "unreachable", err.Error()
				return
			}
			ms.State, ms.Applied, ms.Reachable = s.State, s.Applied, true
			if s.API != "" {
				ms.API = s.API
			}
			if s.Halted != "" {
				ms.Error = "halted: " + s.Halted
			}
		})
	}
	wg.Wait()
	var top uint64
	for _, m := range st.Members {
		top = max(top, m.Applied)
	}
	reachableVoters := 0
	for i := range st.Members {
		m := &st.Members[i]
		if !m.Reachable {
			st.Warnings = append(st.Warnings, fmt.Sprintf("hub %s (%s) cannot be reached: %s", m.ID, m.Raft, m.Error))
			continue
		}
		m.Lag = top - m.Applied
		if m.Role == "voter" {
			reachableVoters++
		}
		if m.Role == "nonvoter" {
			st.Warnings = append(st.Warnings, fmt.Sprintf("hub %s is catching up (%d commands behind); it becomes a voter once caught up", m.ID, m.Lag))
		}
		if m.Error != "" {
			st.Warnings = append(st.Warnings, fmt.Sprintf("hub %s: %s", m.ID, m.Error))
		}
	}
	if w := voterWarning(voters); w != "" {
		st.Warnings = append(st.Warnings, w)
	}
	if st.Leader == "" {
		st.Warnings = append(st.Warnings, "no leader: the shop's hubs cannot book until a majority of voters is up")
	}
	sort.Slice(st.Members, func(i, j int) bool { return st.Members[i].ID < st.Members[j].ID })
	st.Healthy = st.Leader != "" && c.Ledger.Halted() == nil && reachableVoters > voters/2
	return st
}

// Text is the status for people, as `kasse status` prints it.
func (s Status) Text() string {
	var b strings.Builder
	lead := s.Leader
	if lead == "" {
		lead = "(none)"
	}
	health := "healthy"
	if !s.Healthy {
		health = "NOT healthy"
	}
	fmt.Fprintf(&b, "shop cluster seen from %s: leader %s, %s\n\n", s.Hub, lead, health)
	fmt.Fprintf(&b, "%-10s %-9s %-12s %10s %8s  %-22s %s\n", "HUB", "ROLE", "STATE", "APPLIED", "LAG", "RAFT", "API")
	for _, m := range s.Members {
		fmt.Fprintf(&b, "%-10s %-9s %-12s %10d %8d  %-22s %s\n", m.ID, m.Role, m.State, m.Applied, m.Lag, m.Raft, m.API)
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(&b, "\nwarning: %s", w)
	}
	if len(s.Warnings) > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kasse.yaml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	c, err := Load(write(t, "hub:\n  id: hub7\n  profile: small-board\nraft:\n  timeout_scale: 2.5\n"), []string{"KASSE_HTTP_ADDR=0.0.0.0:9090", "KASSE_DEMO=false", "KASSE_TERMINAL_TIMEOUT=5s", "PATH=/bin"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Hub.ID != "hub7" || c.Hub.Profile != "small-board" || c.Raft.TimeoutScale != 2.5 || c.HTTP.Addr != "0.0.0.0:9090" || c.Demo || c.Terminal.Timeout != 5*time.Second {
		t.Errorf("loaded %+v", c)
	}
	if c.Raft.Bind != Default().Raft.Bind {
		t.Error("a key the file does not set lost its default")
	}
	if _, err := Load(write(t, ""), nil); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, c := range []struct {
		name, file string
		env        []string
		want       string
	}{
		{"unknown key", "hub:\n  idd: x\n", nil, "field idd not found"},
		{"bad yaml", "hub: [\n", nil, "config"},
		{"bad profile", "hub:\n  profile: huge\n", nil, "hub.profile"},
		{"bad addr", "http:\n  addr: 8080\n", nil, "http.addr"},
		{"short token", "registers:\n  - id: K1\n    token: abc\n", nil, "at least 16"},
		{"bad org nr", "shop:\n  org_nr: 12ab\n", nil, "org_nr"},
		{"unknown env", "", []string{"KASSE_HTTP_ADR=x"}, "unknown environment variable KASSE_HTTP_ADR"},
		{"bad env value", "", []string{"KASSE_DEMO=maybe"}, "KASSE_DEMO"},
		{"wrong type", "raft:\n  timeout_scale: fast\n", nil, "line 2: cannot unmarshal"},
		{"tender without a name", "payments:\n  tenders:\n    - id: invoice\n      code: 12006\n", nil, "needs an id and a name"},
		{"tender with a built-in id", "payments:\n  tenders:\n    - id: card\n      name: Kort\n      code: 12002\n", nil, "built-in tender"},
		{"tender with a bad code", "payments:\n  tenders:\n    - id: iou\n      name: Gjeld\n      code: 12500\n", nil, "not a SAF-T payment code"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(write(t, c.file), c.env)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want it to mention %q", err, c.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
}

package config

import (
	"path/filepath"
	"reflect"
	"testing"
)

// The example files in configs/ load, and laptop.yaml is exactly Default():
// its comments document what a hub without -config does.
func TestExampleConfigs(t *testing.T) {
	files, _ := filepath.Glob("../../configs/*.yaml")
	if len(files) < 2 {
		t.Fatalf("example configs: %v", files)
	}
	for _, f := range files {
		c, err := Load(f, nil)
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if filepath.Base(f) == "laptop.yaml" && !reflect.DeepEqual(c, Default()) {
			t.Errorf("laptop.yaml differs from Default():\n%+v\n%+v", c, Default())
		}
	}
}

package gpio

import (
	"fmt"
	"strings"

	"periph.io/x/host/v3"
)

// hostInit loads periph's drivers for this machine and says whether any
// of them found GPIO. It is a variable so that tests can stand in for a
// board; on a machine without GPIO every GPIO driver is skipped.
var hostInit = func() (bool, error) {
	st, err := host.Init()
	if err != nil {
		return false, fmt.Errorf("periph host drivers: %w", err)
	}
	for _, d := range st.Loaded {
		if strings.Contains(d.String(), "gpio") {
			return true, nil
		}
	}
	return false, nil
}

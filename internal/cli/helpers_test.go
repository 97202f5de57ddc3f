package cli

import (
	"slices"
	"strconv"
	"strings"

	"github.com/steward-registry/steward/internal/tracking"
)

func itoa(n int) string { return strconv.Itoa(n) }

// sortByPath sorts manifest lines "<digest> <size> <path>\n" by path.
func sortByPath(lines []string) {
	path := func(l string) string { return strings.SplitN(l, " ", 3)[2] }
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(path(a), path(b)) })
}

func trackingRun(experimentID, name string) tracking.RunCreate {
	return tracking.RunCreate{ExperimentID: experimentID, Name: name}
}

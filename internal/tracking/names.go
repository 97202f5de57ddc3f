package tracking

import (
	"fmt"
	"math/rand/v2"
)

// RunNameTag is the tag MLflow mirrors the run name into.
const RunNameTag = "mlflow.runName"

var (
	nameAdjectives = []string{"able", "bold", "brave", "bright", "calm", "clever", "crisp", "eager", "fair", "gentle", "keen", "lively", "merry", "nimble", "quiet", "rapid", "sharp", "steady", "swift", "tidy", "vivid", "warm", "wise", "zesty"}
	nameNouns      = []string{"ant", "bear", "crane", "deer", "eagle", "falcon", "fox", "hare", "heron", "ibis", "lark", "lynx", "mole", "newt", "otter", "owl", "panda", "robin", "seal", "swan", "tiger", "wolf", "wren", "yak"}
)

// randomRunName returns a readable name like "swift-otter-417".
func randomRunName() string {
	return fmt.Sprintf("%s-%s-%d", nameAdjectives[rand.IntN(len(nameAdjectives))], nameNouns[rand.IntN(len(nameNouns))], rand.IntN(1000))
}

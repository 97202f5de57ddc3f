package steward

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// NewID returns a random 128-bit identifier as 32 lowercase hex characters,
// the shape MLflow clients expect for run ids.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// Clock returns the current time; injected so tests can pin timestamps.
type Clock func() time.Time

// Millis returns t as milliseconds since the Unix epoch, the unit every
// stored timestamp uses (MLflow's wire unit).
func Millis(t time.Time) int64 { return t.UnixMilli() }

package governance

import (
	"slices"
	"testing"
)

// TestDerive checks the read-time facts of an inventory entry: expiry,
// overdue and the attention reasons, which the SQL attention filter must
// agree with (the store contract checks that side).
func TestDerive(t *testing.T) {
	const now = 1_000_000
	past, future := int64(now-1), int64(now+1)
	for _, c := range []struct {
		name      string
		e         InventoryEntry
		status    string
		overdue   bool
		attention []string
	}{
		{"quiet", InventoryEntry{ValidationStatus: ValidationNone}, ValidationNone, false, nil},
		{"validated, due later", InventoryEntry{ValidationStatus: ValidationValidated, NextReviewAt: &future}, ValidationValidated, false, nil},
		{"validated, review passed", InventoryEntry{ValidationStatus: ValidationValidated, NextReviewAt: &past}, ValidationExpired, true,
			[]string{AttentionReviewOverdue}},
		{"production, nothing", InventoryEntry{ValidationStatus: ValidationNone, InProduction: true}, ValidationNone, false,
			[]string{AttentionNoApprovedCard, AttentionNotValidated}},
		{"production, card, findings open", InventoryEntry{ValidationStatus: ValidationFindingsOpen, InProduction: true, ApprovedCard: true},
			ValidationFindingsOpen, false, []string{AttentionFindingsOpen}},
		{"production, card, in validation", InventoryEntry{ValidationStatus: ValidationInProgress, InProduction: true, ApprovedCard: true},
			ValidationInProgress, false, []string{AttentionInValidationProd}},
		{"production, card, validated", InventoryEntry{ValidationStatus: ValidationValidated, InProduction: true, ApprovedCard: true},
			ValidationValidated, false, nil},
		{"production, expired", InventoryEntry{ValidationStatus: ValidationValidated, InProduction: true, ApprovedCard: true, NextReviewAt: &past},
			ValidationExpired, true, []string{AttentionReviewOverdue, AttentionNotValidated}},
		{"retired", InventoryEntry{ValidationStatus: ValidationNone, InProduction: true, NextReviewAt: &past, RetiredAt: &past},
			ValidationNone, false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := c.e
			e.derive(now)
			if e.ValidationStatus != c.status || e.ReviewOverdue != c.overdue || !slices.Equal(e.Attention, c.attention) {
				t.Fatalf("got status %s, overdue %v, attention %v; want %s, %v, %v", e.ValidationStatus, e.ReviewOverdue, e.Attention,
					c.status, c.overdue, c.attention)
			}
		})
	}
}

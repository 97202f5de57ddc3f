package httpapi

import (
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/steward"
)

// inventoryRoutes are the inventory, validation and annotation routes.
// Writes name the permission of their usual caller; the governance service
// decides on the object (a validator sets the risk tier through the
// profile route, any reader with a write-scoped credential may comment).
func (a *API) inventoryRoutes() []Route {
	return slices.Concat([]Route{
		{"GET", "/api/v1/inventory", steward.PermModelRead, a.listInventory},
		{"GET", "/api/v1/inventory/attention", steward.PermModelRead, a.listAttention},
		{"GET", "/api/v1/models/{model}/profile", steward.PermModelRead, a.getProfile},
		// The route admits readers; the service then asks model.write for the
		// business fields and model.validate for the risk tier and review date
		// (validators classify; they need not be developers).
		{"PATCH", "/api/v1/models/{model}/profile", steward.PermModelRead, a.updateProfile},
	}, a.validationRoutes(), a.commentRoutes())
}

type inventoryList struct {
	Models        []*governance.InventoryEntry `json:"models"`
	NextPageToken string                       `json:"next_page_token,omitempty"`
}

func (a *API) listInventory(w http.ResponseWriter, r *http.Request) error {
	return a.inventory(w, r, false)
}
func (a *API) listAttention(w http.ResponseWriter, r *http.Request) error {
	return a.inventory(w, r, true)
}

// inventory answers a page of JSON, or with format=csv every matching model
// as a CSV attachment.
func (a *API) inventory(w http.ResponseWriter, r *http.Request, attention bool) error {
	q := r.URL.Query()
	f := governance.InventoryFilter{RiskTier: q.Get("risk_tier"), ValidationStatus: q.Get("validation_status"), Owner: q.Get("owner"),
		BusinessUnit: q.Get("business_unit"), Kind: q.Get("kind"), Project: q.Get("project"), NameLike: q.Get("q"), Attention: attention}
	if s := q.Get("overdue"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return steward.Errorf(steward.CodeInvalid, "overdue must be true or false, got %q", s).WithDetail("field", "overdue")
		}
		f.Overdue = b
	}
	switch format := q.Get("format"); format {
	case "", "json":
	case "csv":
		var all []*governance.InventoryEntry
		if err := a.Governance.AllInventory(r.Context(), f, func(e *governance.InventoryEntry) error {
			all = append(all, e)
			return nil
		}); err != nil {
			return err
		}
		name := "inventory"
		if attention {
			name = "inventory-attention"
		}
		writeInventoryCSV(w, name, all)
		return nil
	default:
		return steward.Errorf(steward.CodeInvalid, "format must be json or csv, got %q", format).WithDetail("field", "format")
	}
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	es, next, err := a.Governance.Inventory(r.Context(), f, page)
	if err != nil {
		return err
	}
	if es == nil {
		es = []*governance.InventoryEntry{}
	}
	writeJSON(w, http.StatusOK, inventoryList{es, next})
	return nil
}

// InventoryCSVHeader is the header row of the inventory export.
var InventoryCSVHeader = []string{"model", "project", "kind", "owner", "business_unit", "intended_use", "risk_tier", "validation_status",
	"next_review_at", "review_overdue", "in_production", "approved_card", "attention", "updated_by", "updated_at"}

func writeInventoryCSV(w http.ResponseWriter, name string, es []*governance.InventoryEntry) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`-`+time.Now().UTC().Format("20060102")+`.csv"`)
	w.WriteHeader(http.StatusOK)
	cw := csv.NewWriter(w)
	_ = cw.Write(InventoryCSVHeader)
	for _, e := range es {
		next, updated := "", ""
		if e.NextReviewAt != nil {
			next = time.UnixMilli(*e.NextReviewAt).UTC().Format(time.RFC3339)
		}
		if e.UpdatedAt > 0 {
			updated = time.UnixMilli(e.UpdatedAt).UTC().Format(time.RFC3339)
		}
		_ = cw.Write([]string{cell(e.Model), cell(e.Project), e.Kind, cell(e.Owner), cell(e.BusinessUnit), cell(e.IntendedUse),
			string(e.RiskTier), e.ValidationStatus, next, strconv.FormatBool(e.ReviewOverdue), strconv.FormatBool(e.InProduction),
			strconv.FormatBool(e.ApprovedCard), strings.Join(e.Attention, ";"), cell(e.UpdatedBy), updated})
	}
	cw.Flush()
}

// cell defuses spreadsheet formulas: user text that starts with = + - @ or
// a control character is read by Excel and LibreOffice as a formula, so it
// gets a leading apostrophe, which they show as text.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (a *API) getProfile(w http.ResponseWriter, r *http.Request) error {
	e, err := a.Governance.Profile(r.Context(), r.PathValue("model"))
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, e.Revision, e)
	return nil
}

func (a *API) updateProfile(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in governance.ProfileUpdate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	e, err := a.Governance.UpdateProfile(r.Context(), r.PathValue("model"), in, rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, e.Revision, e)
	return nil
}

// decodeOptionalJSON decodes a body that may be absent: an empty body
// leaves dst as it is.
func decodeOptionalJSON(r *http.Request, dst any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return DecodeJSON(r, dst)
}

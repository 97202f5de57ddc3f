package httpapi

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/modelcard"
	"github.com/steward-registry/steward/internal/steward"
)

func (a *API) cardRoutes() []Route {
	return []Route{
		{"GET", "/api/v1/model-card-schema.json", steward.PermModelRead, a.cardSchema},
		{"GET", "/api/v1/models/{model}/cards", steward.PermModelRead, a.listCards},
		{"POST", "/api/v1/models/{model}/cards", steward.PermModelWrite, a.createCard},
		{"GET", "/api/v1/models/{model}/cards/compare", steward.PermModelRead, a.compareCards},
		{"POST", "/api/v1/models/{model}/cards/autofill", steward.PermModelWrite, a.autofillCard},
		{"POST", "/api/v1/models/{model}/cards/import", steward.PermModelWrite, a.importCard},
		{"GET", "/api/v1/models/{model}/cards/{card}", steward.PermModelRead, a.getCard},
		{"PATCH", "/api/v1/models/{model}/cards/{card}", steward.PermModelWrite, a.updateCard},
		{"POST", "/api/v1/models/{model}/cards/{card}/submit", steward.PermModelWrite, a.cardTransition(a.Governance.SubmitCard)},
		{"POST", "/api/v1/models/{model}/cards/{card}/approve", steward.PermModelValidate, a.cardTransition(a.Governance.ApproveCard)},
		{"POST", "/api/v1/models/{model}/cards/{card}/reject", steward.PermModelValidate, a.cardTransition(a.Governance.RejectCard)},
		{"POST", "/api/v1/models/{model}/cards/{card}/archive", steward.PermModelWrite, a.cardTransition(a.Governance.ArchiveCard)},
		{"POST", "/api/v1/models/{model}/cards/{card}/clone", steward.PermModelWrite, a.cloneCard},
		{"GET", "/api/v1/models/{model}/cards/{card}/export", steward.PermModelRead, a.exportCard},
	}
}

// cardRef parses the {card} path segment: a card version number or
// "latest" (0).
func cardRef(r *http.Request) (int64, error) {
	s := r.PathValue("card")
	if s == "latest" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, steward.Errorf(steward.CodeInvalid, "card must be a card version number (1, 2, ...) or \"latest\", got %q", s).WithDetail("field", "card")
	}
	return n, nil
}

func cardLocation(c *governance.Card) string {
	return "/api/v1/models/" + url.PathEscape(c.ModelName) + "/cards/" + strconv.FormatInt(c.CardVersion, 10)
}

func (a *API) cardSchema(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/schema+json")
	_, _ = w.Write(modelcard.SchemaJSON)
	return nil
}

func (a *API) listCards(w http.ResponseWriter, r *http.Request) error {
	cs, err := a.Governance.ListCards(r.Context(), r.PathValue("model"), r.URL.Query().Get("status"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"cards": cs})
	return nil
}

func (a *API) createCard(w http.ResponseWriter, r *http.Request) error {
	var in governance.CardInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	c, err := a.Governance.CreateCard(r.Context(), r.PathValue("model"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", cardLocation(c))
	writeObject(w, http.StatusCreated, c.Revision, c)
	return nil
}

func (a *API) getCard(w http.ResponseWriter, r *http.Request) error {
	n, err := cardRef(r)
	if err != nil {
		return err
	}
	c, err := a.Governance.GetCard(r.Context(), r.PathValue("model"), n)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, c.Revision, c)
	return nil
}

// writeCardChange answers an edit: 200 for a draft changed in place, 201
// with the new card's Location when the edit made a new card version.
func writeCardChange(w http.ResponseWriter, ch *governance.CardChange) {
	status := http.StatusOK
	if ch.Created {
		status = http.StatusCreated
		w.Header().Set("Location", cardLocation(ch.Card))
	}
	writeObject(w, status, ch.Card.Revision, ch.Card)
}

func (a *API) updateCard(w http.ResponseWriter, r *http.Request) error {
	n, err := cardRef(r)
	if err != nil {
		return err
	}
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in governance.CardInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	ch, err := a.Governance.UpdateCard(r.Context(), r.PathValue("model"), n, in, rev)
	if err != nil {
		return err
	}
	writeCardChange(w, ch)
	return nil
}

// cardDecision is the optional body of submit, approve, reject, archive.
type cardDecision struct {
	Comment string `json:"comment"`
}

func (a *API) cardTransition(do func(ctx context.Context, model string, cardVersion, ifRevision int64, comment string) (*governance.Card, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		n, err := cardRef(r)
		if err != nil {
			return err
		}
		rev, err := ifMatch(r)
		if err != nil {
			return err
		}
		var in cardDecision
		if r.ContentLength != 0 {
			if err := DecodeJSON(r, &in); err != nil {
				return err
			}
		}
		c, err := do(r.Context(), r.PathValue("model"), n, rev, in.Comment)
		if err != nil {
			return err
		}
		writeObject(w, http.StatusOK, c.Revision, c)
		return nil
	}
}

type cardClone struct {
	Model string `json:"model"` // target model; "" for the same model
}

func (a *API) cloneCard(w http.ResponseWriter, r *http.Request) error {
	n, err := cardRef(r)
	if err != nil {
		return err
	}
	var in cardClone
	if r.ContentLength != 0 {
		if err := DecodeJSON(r, &in); err != nil {
			return err
		}
	}
	c, err := a.Governance.CloneCard(r.Context(), r.PathValue("model"), n, in.Model)
	if err != nil {
		return err
	}
	w.Header().Set("Location", cardLocation(c))
	writeObject(w, http.StatusCreated, c.Revision, c)
	return nil
}

func (a *API) compareCards(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, err1 := strconv.ParseInt(q.Get("from"), 10, 64)
	to, err2 := strconv.ParseInt(q.Get("to"), 10, 64)
	if err1 != nil || err2 != nil {
		return steward.Errorf(steward.CodeInvalid, "from and to are required card version numbers, e.g. ?from=1&to=2").WithDetail("field", "from")
	}
	cmp, err := a.Governance.CompareCards(r.Context(), r.PathValue("model"), from, to)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cmp)
	return nil
}

func (a *API) autofillCard(w http.ResponseWriter, r *http.Request) error {
	var in governance.AutoFillInput
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	ch, err := a.Governance.AutoFillCard(r.Context(), r.PathValue("model"), in)
	if err != nil {
		return err
	}
	writeCardChange(w, ch)
	return nil
}

// importCard takes a SageMaker model card document as the body, as AWS
// returns it; its fields are SageMaker's, so it is not decoded strictly.
func (a *API) importCard(w http.ResponseWriter, r *http.Request) error {
	var mv *int64
	if s := r.URL.Query().Get("model_version"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return steward.Errorf(steward.CodeInvalid, "model_version must be a version number, got %q", s).WithDetail("field", "model_version")
		}
		mv = &n
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, modelcard.MaxCardBytes+1))
	if err != nil {
		return steward.Errorf(steward.CodeInvalid, "could not read request body: %v", err)
	}
	if len(body) > modelcard.MaxCardBytes {
		return steward.Errorf(steward.CodeTooLarge, "the SageMaker model card exceeds %d bytes", modelcard.MaxCardBytes)
	}
	c, err := a.Governance.ImportSageMakerCard(r.Context(), r.PathValue("model"), body, mv)
	if err != nil {
		return err
	}
	w.Header().Set("Location", cardLocation(c))
	writeObject(w, http.StatusCreated, c.Revision, c)
	return nil
}

func (a *API) exportCard(w http.ResponseWriter, r *http.Request) error {
	n, err := cardRef(r)
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = governance.ExportMarkdown
	}
	ex, err := a.Governance.ExportCard(r.Context(), r.PathValue("model"), n, format)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ex.ContentType)
	// FormatMediaType encodes a non-ASCII model name per RFC 2231.
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": ex.Filename}))
	w.Header().Set("Content-Length", strconv.Itoa(len(ex.Body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(ex.Body)
	return nil
}

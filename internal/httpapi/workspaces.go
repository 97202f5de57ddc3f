package httpapi

import (
	"net/http"
	"net/url"

	"github.com/steward-registry/steward/internal/registry"
)

type workspaceCreate struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (a *API) listWorkspaces(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.Registry.ListWorkspaces(r.Context())
	if err != nil {
		return err
	}
	if ws == nil {
		ws = []*registry.Workspace{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"workspaces": ws})
	return nil
}

func (a *API) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	var in workspaceCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	ws, err := a.Registry.CreateWorkspace(r.Context(), in.Name, in.Description)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/workspaces/"+ws.Name)
	writeJSON(w, http.StatusCreated, ws)
	return nil
}

func (a *API) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	ws, err := a.Registry.GetWorkspace(r.Context(), r.PathValue("workspace"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ws)
	return nil
}

type projectChange struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
}

func (a *API) listProjects(w http.ResponseWriter, r *http.Request) error {
	page, err := pageRequest(r)
	if err != nil {
		return err
	}
	ps, next, err := a.Registry.ListProjects(r.Context(), page)
	if err != nil {
		return err
	}
	if ps == nil {
		ps = []*registry.Project{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": ps, "next_page_token": next})
	return nil
}

func (a *API) createProject(w http.ResponseWriter, r *http.Request) error {
	var in workspaceCreate
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := a.Registry.CreateProject(r.Context(), in.Name, in.Description)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/projects/"+url.PathEscape(p.Name))
	writeObject(w, http.StatusCreated, p.Revision, p)
	return nil
}

func (a *API) getProject(w http.ResponseWriter, r *http.Request) error {
	p, err := a.Registry.GetProject(r.Context(), r.PathValue("project"))
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, p.Revision, p)
	return nil
}

func (a *API) updateProject(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in projectChange
	if err := DecodeJSON(r, &in); err != nil {
		return err
	}
	p, err := a.Registry.UpdateProject(r.Context(), r.PathValue("project"), in.Name, in.Description, rev)
	if err != nil {
		return err
	}
	writeObject(w, http.StatusOK, p.Revision, p)
	return nil
}

func (a *API) deleteProject(w http.ResponseWriter, r *http.Request) error {
	rev, err := ifMatch(r)
	if err != nil {
		return err
	}
	if err := a.Registry.DeleteProject(r.Context(), r.PathValue("project"), rev); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

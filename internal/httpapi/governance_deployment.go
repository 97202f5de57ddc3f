package httpapi

func (a *API) deploymentRoutes() []Route {
	return nil
}

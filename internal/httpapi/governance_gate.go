package httpapi

func (a *API) gateRoutes() []Route {
	return nil
}

package httpapi

func (a *API) cardRoutes() []Route {
	return nil
}

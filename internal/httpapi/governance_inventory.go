package httpapi

func (a *API) inventoryRoutes() []Route {
	return nil
}

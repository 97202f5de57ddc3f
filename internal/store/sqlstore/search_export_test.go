package sqlstore

// Exports for the search tests, which live in package sqlstore_test so they
// can open real databases through storetest.
var (
	CompileRunSearch        = compileRunSearch
	CompileExperimentSearch = compileExperimentSearch
	CompileModelSearch      = compileModelSearch
	CompileVersionSearch    = compileVersionSearch
	LikePattern             = likePattern
)

// Rebind turns ? placeholders into the dialect's.
func Rebind(d *Dialect, q string) string { return d.rebind(q) }

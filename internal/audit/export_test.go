package audit

import "golang.org/x/mod/sumdb/note"

// SetParallelFrom lets tests force parallel segment verification on small
// logs; it returns a function restoring the default.
func SetParallelFrom(n int64) func() {
	old := parallelFrom
	parallelFrom = n
	return func() { parallelFrom = old }
}

// SignText signs arbitrary checkpoint text (tests build malformed ones).
func SignText(signer note.Signer, text string) (string, error) {
	msg, err := note.Sign(&note.Note{Text: text}, signer)
	return string(msg), err
}

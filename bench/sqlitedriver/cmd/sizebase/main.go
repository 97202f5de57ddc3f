// Command sizebase is the baseline for the binary-size comparison: the same
// program as sizemodernc/sizemattn but with no SQLite driver linked in.
package main

import (
	"database/sql"
	"fmt"
	"os"
)

func main() {
	db, err := sql.Open("none", "")
	fmt.Println(db != nil, err != nil, len(os.Args))
}

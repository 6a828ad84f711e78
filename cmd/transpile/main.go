// Command transpile turns the human YAML dialect into a JSON config.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "transpile: not implemented yet")
	os.Exit(2)
}

package tasks

import (
	"os/exec"
	"strings"
	"testing"
)

// The worker runs on machines that do not hold the SQLite file (DESIGN.md:
// "workers never open SQLite"), so nothing it links may reach the store, the
// SQLite side of background work or the web UI.
func TestWorkerCannotImportTheStore(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || deps[len(deps)-1] != "github.com/tailor-app/tailor/tasks" {
		t.Fatalf("go list -deps gave no dependency list for tasks:\n%s", out)
	}
	forbidden := []string{
		"github.com/tailor-app/tailor/db",
		"github.com/tailor-app/tailor/jobs",
		"github.com/tailor-app/tailor/views",
		"github.com/tailor-app/tailor/handlers",
		"github.com/mattn/go-sqlite3",
		"database/sql",
	}
	for _, dep := range deps {
		for _, f := range forbidden {
			if dep == f {
				t.Errorf("package tasks imports %s (directly or not); the worker must not reach SQLite", dep)
			}
		}
	}
}

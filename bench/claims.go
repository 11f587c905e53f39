package main

import (
	"fmt"
	"os"
	"time"

	"github.com/tailor-app/tailor/resume/claimcorpus"
)

// benchClaims scores the fact check on the claims corpus (issue 11):
// fabrications caught and faithful rewrites flagged, and the time one
// check takes. It needs no running app: the check is pure.
func benchClaims(rep *report) error {
	files, err := claimcorpus.Load("resume/testdata/claims")
	if err != nil {
		return err
	}
	start := time.Now()
	outcomes := claimcorpus.Run(files)
	perCase := time.Since(start) / time.Duration(max(len(outcomes), 1))
	fmt.Fprintf(os.Stderr, "\n%s\n", claimcorpus.Table(outcomes))
	_, recall, falseAlarms := claimcorpus.Scores(outcomes)
	detail := fmt.Sprintf("%d cases, %d professions", len(outcomes), len(files))
	rep.add("fact check corpus", "fabrications caught", recall*100, "%", ">= 100", detail)
	rep.add("fact check corpus", "faithful flagged", falseAlarms*100, "%", "<= 5", detail)
	rep.add("fact check corpus", "check time per resume", float64(perCase.Microseconds())/1000, "ms", "", "Verify on a whole profile")
	return nil
}

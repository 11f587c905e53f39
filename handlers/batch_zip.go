package handlers

import (
	"archive/zip"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobstate"
)

// zipPage is how many job rows the ZIP reads at a time; PDFs are read one
// by one.
const zipPage = 200

// writeBatchZip streams the batch's PDFs and summary.csv as a ZIP straight
// to w: each PDF is read from SQLite, written and dropped before the next,
// stored uncompressed (a PDF is compressed already). Nothing is built whole
// in memory or on disk, so memory stays flat whatever the batch's size.
func (s *Server) writeBatchZip(w http.ResponseWriter, r *http.Request, owner db.Owner, b db.Batch) {
	ctx := r.Context()
	name := zipName(b)
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", contentDisposition("attachment", name, "batch.zip"))
	w.Header().Set("Cache-Control", "no-store")
	// A big ZIP over a slow link outlasts the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(30 * time.Minute))
	zw := zip.NewWriter(w)
	var rows [][]string
	used := map[string]int{}
	for offset := 0; ; offset += zipPage {
		js, err := s.DB.Batches.Jobs(ctx, owner, b.ID, zipPage, offset)
		if err != nil {
			s.logger(r).Error("batch zip", "batch_id", b.ID, "err", err)
			return // the ZIP is cut short: its missing directory makes it invalid, not wrong
		}
		for _, j := range js {
			file := ""
			if j.Status == jobstate.StatusSucceeded {
				pdf, err := s.DB.Batches.PDF(ctx, owner, j.ID)
				if err != nil {
					s.logger(r).Error("batch zip", "batch_id", b.ID, "job_id", j.ID, "err", err)
					return
				}
				if pdf != nil {
					file = uniqueName(used, pdfName(j))
					f, err := zw.CreateHeader(&zip.FileHeader{Name: file, Method: zip.Store, Modified: j.FinishedAt})
					if err == nil {
						_, err = f.Write(pdf)
					}
					if err != nil {
						return // the client went away
					}
				}
			}
			rows = append(rows, summaryRow(j, file))
		}
		if len(js) < zipPage {
			break
		}
	}
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "summary.csv", Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return
	}
	cw := csv.NewWriter(f)
	cw.Write(summaryHeader)
	cw.WriteAll(rows)
	if err := zw.Close(); err != nil {
		s.logger(r).Warn("batch zip", "batch_id", b.ID, "err", err)
	}
}

var summaryHeader = []string{"file", "candidate", "job_title", "company", "status", "match_before", "match_after",
	"fact_check_corrections", "error", "job_id"}

func summaryRow(j db.Job, file string) []string {
	corrections := ""
	if rep, ok := factCheck(j); ok {
		corrections = strconv.Itoa(len(rep.Violations))
	}
	return []string{file, j.CandidateName, j.JobTitle, j.Company, j.Status, intText(j.MatchBefore),
		intText(j.MatchAfter), corrections, j.Error, j.ID}
}

func intText(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

// pdfName is "Candidate Name - Company.pdf", safe as a file name in any
// unzip tool: no path separators or control characters.
func pdfName(j db.Job) string {
	parts := []string{cleanName(j.CandidateName)}
	if c := cleanName(j.Company); c != "" {
		parts = append(parts, c)
	} else if t := cleanName(j.JobTitle); t != "" {
		parts = append(parts, t)
	}
	if parts[0] == "" {
		parts[0] = "Resume"
	}
	return strings.Join(parts, " - ") + ".pdf"
}

func cleanName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f:
			return -1
		case strings.ContainsRune(`/\:*?"<>|`, r):
			return '_'
		}
		return r
	}, s)
	s = strings.Trim(strings.TrimSpace(s), ".")
	if len(s) > 100 {
		s = strings.ToValidUTF8(s[:100], "")
	}
	return s
}

// uniqueName returns name, or "name (2).pdf", "name (3).pdf"... if taken.
func uniqueName(used map[string]int, name string) string {
	key := strings.ToLower(name)
	used[key]++
	if used[key] == 1 {
		return name
	}
	base := strings.TrimSuffix(name, ".pdf")
	for n := used[key]; ; n++ {
		candidate := base + " (" + strconv.Itoa(n) + ").pdf"
		if used[strings.ToLower(candidate)] == 0 {
			used[strings.ToLower(candidate)] = 1
			used[key] = n
			return candidate
		}
	}
}

func zipName(b db.Batch) string {
	label := cleanName(b.Company)
	if label == "" {
		label = cleanName(b.JobTitle)
	}
	if label == "" {
		label = "batch"
	}
	return "Tailor " + label + " " + b.CreatedAt.Format("2006-01-02") + ".zip"
}

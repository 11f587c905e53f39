package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tailor-app/tailor/db"
	"github.com/tailor-app/tailor/jobs"
	"github.com/tailor-app/tailor/views"
)

// batchChoicesShown is how many candidates or openings a batch form lists;
// "All matching" reaches the rest.
const batchChoicesShown = 200

// GET /openings/{id}/batch?q=: choose candidates for one opening.
func (s *Server) openingBatchPage(w http.ResponseWriter, r *http.Request) {
	o, err := s.DB.Openings.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := s.candidateChoices(r, r.URL.Query().Get("q"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f.Action, f.For = "/openings/"+o.ID+"/batch", views.BatchLabel(db.Batch{JobTitle: o.Title, Company: o.Company})
	s.render(w, r, http.StatusOK, views.BatchFormView(s.page(r, "Generate for candidates", "openings"), f))
}

// candidateChoices lists the user's candidates matching q, and how many match.
func (s *Server) candidateChoices(r *http.Request, q string) (views.BatchForm, error) {
	q = strings.TrimSpace(q)
	f := views.BatchForm{Kind: "candidates", Query: q}
	cs, err := s.DB.Candidates.List(r.Context(), db.CandidateFilter{Owner: ownerScope(currentUser(r)), Query: q, Limit: batchChoicesShown + 1})
	if err != nil {
		return f, err
	}
	if len(cs) > batchChoicesShown {
		cs, f.More = cs[:batchChoicesShown], true
	}
	for _, c := range cs {
		f.Options = append(f.Options, views.BatchOption{ID: c.ID, Label: c.Name, Detail: "v" + strconv.Itoa(c.Version)})
	}
	f.Matching = len(cs)
	if f.More {
		ids, err := s.matchingCandidates(r, q)
		if err != nil {
			return f, err
		}
		f.Matching = len(ids)
	}
	return f, nil
}

// matchingCandidates returns the ids of the user's candidates matching q,
// at most one more than a batch may hold (so the limit's message shows).
func (s *Server) matchingCandidates(r *http.Request, q string) ([]string, error) {
	var ids []string
	for offset := 0; len(ids) <= db.MaxBatchJobs; offset += 500 {
		cs, err := s.DB.Candidates.List(r.Context(), db.CandidateFilter{Owner: ownerScope(currentUser(r)), Query: q, Limit: 500, Offset: offset})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		if len(cs) < 500 {
			break
		}
	}
	return ids, nil
}

// POST /openings/{id}/batch: start the batch, then show its page.
func (s *Server) openingBatchStart(w http.ResponseWriter, r *http.Request) {
	o, err := s.DB.Openings.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		s.pageError(w, r, err)
		return
	}
	q := r.PostFormValue("q")
	ids := r.PostForm["id"]
	if r.PostFormValue("all") == "1" {
		if ids, err = s.matchingCandidates(r, strings.TrimSpace(q)); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	b, err := s.createBatch(r, jobs.BatchRequest{OpeningID: o.ID, CandidateIDs: ids,
		Theme: r.PostFormValue("theme"), Paper: r.PostFormValue("paper")})
	if err != nil {
		e := classify(err)
		if e == nil || e.Status != http.StatusUnprocessableEntity {
			s.pageError(w, r, err)
			return
		}
		f, ferr := s.candidateChoices(r, q)
		if ferr != nil {
			s.pageError(w, r, ferr)
			return
		}
		f.Action, f.For, f.Error = "/openings/"+o.ID+"/batch", views.BatchLabel(db.Batch{JobTitle: o.Title, Company: o.Company}), batchFormError(e)
		f.Theme, f.Paper = r.PostFormValue("theme"), r.PostFormValue("paper")
		checked(f.Options, r.PostForm["id"])
		s.render(w, r, e.Status, views.BatchFormView(s.page(r, "Generate for candidates", "openings"), f))
		return
	}
	s.flash(r, "Batch started: "+strconv.Itoa(b.Counts.Total())+" resumes on their way.")
	http.Redirect(w, r, "/batches/"+b.ID, http.StatusSeeOther)
}

// batchFormError says what is wrong with a batch form in its own words.
func batchFormError(e *Error) string {
	switch {
	case e.Fields["candidate_ids"] != "" && strings.Contains(e.Fields["candidate_ids"], "at most"):
		return "That is more than 1,000 candidates: a batch holds at most 1,000 jobs. Search to narrow the choice."
	case e.Fields["opening_ids"] != "" && strings.Contains(e.Fields["opening_ids"], "at most"):
		return "That is more than 1,000 openings: a batch holds at most 1,000 jobs."
	case e.Fields["candidate_ids"] != "":
		return "Choose at least one candidate."
	case e.Fields["opening_ids"] != "":
		return "Choose at least one opening."
	}
	return e.Message
}

func checked(opts []views.BatchOption, ids []string) {
	for i := range opts {
		for _, id := range ids {
			if opts[i].ID == id {
				opts[i].Checked = true
			}
		}
	}
}

// GET /candidates/{id}/batch?q=: choose openings for one candidate.
func (s *Server) candidateBatchPage(w http.ResponseWriter, r *http.Request) {
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, _, err := s.openingChoices(r, r.URL.Query().Get("q"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f.Action, f.For = "/candidates/"+c.ID+"/batch", c.Name
	s.render(w, r, http.StatusOK, views.BatchFormView(s.page(r, "Generate for openings", "candidates"), f))
}

// openingChoices lists the user's openings whose title, company or
// location contains q, and returns every matching id.
func (s *Server) openingChoices(r *http.Request, q string) (views.BatchForm, []string, error) {
	q = strings.TrimSpace(q)
	f := views.BatchForm{Kind: "openings", Query: q}
	var ids []string
	needle := strings.ToLower(q)
	for offset := 0; len(ids) <= db.MaxBatchJobs; offset += 500 {
		os, err := s.DB.Openings.List(r.Context(), ownerScope(currentUser(r)), 500, offset)
		if err != nil {
			return f, nil, err
		}
		for _, o := range os {
			if needle != "" && !strings.Contains(strings.ToLower(o.Title+" "+o.Company+" "+o.Location), needle) {
				continue
			}
			ids = append(ids, o.ID)
			if len(f.Options) < batchChoicesShown {
				f.Options = append(f.Options, views.BatchOption{ID: o.ID, Label: o.Title, Detail: o.Company})
			} else {
				f.More = true
			}
		}
		if len(os) < 500 {
			break
		}
	}
	f.Matching = len(ids)
	return f, ids, nil
}

// POST /candidates/{id}/batch
func (s *Server) candidateBatchStart(w http.ResponseWriter, r *http.Request) {
	c, err := s.DB.Candidates.Get(r.Context(), ownerScope(currentUser(r)), chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := parseForm(w, r, maxFormBytes); err != nil {
		s.pageError(w, r, err)
		return
	}
	q := r.PostFormValue("q")
	ids := r.PostForm["id"]
	if r.PostFormValue("all") == "1" {
		if _, ids, err = s.openingChoices(r, q); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	b, err := s.createBatch(r, jobs.BatchRequest{CandidateID: c.ID, OpeningIDs: ids,
		Theme: r.PostFormValue("theme"), Paper: r.PostFormValue("paper")})
	if err != nil {
		e := classify(err)
		if e == nil || e.Status != http.StatusUnprocessableEntity {
			s.pageError(w, r, err)
			return
		}
		f, _, ferr := s.openingChoices(r, q)
		if ferr != nil {
			s.pageError(w, r, ferr)
			return
		}
		f.Action, f.For, f.Error = "/candidates/"+c.ID+"/batch", c.Name, batchFormError(e)
		f.Theme, f.Paper = r.PostFormValue("theme"), r.PostFormValue("paper")
		checked(f.Options, r.PostForm["id"])
		s.render(w, r, e.Status, views.BatchFormView(s.page(r, "Generate for openings", "candidates"), f))
		return
	}
	s.flash(r, "Batch started: "+strconv.Itoa(b.Counts.Total())+" resumes on their way.")
	http.Redirect(w, r, "/batches/"+b.ID, http.StatusSeeOther)
}

// progress is a batch's progress bar for a viewer with scope.
func (s *Server) progress(b db.Batch, scope db.Owner) views.BatchProgress {
	p := views.BatchProgress{Batch: b, ETA: views.EstimateLeft(b, s.now())}
	if !b.Counts.Done() {
		p.PollURL = s.batchPollURL(b.ID, scope)
	}
	return p
}

// batchPollURL is the signed link of a batch's progress fragment: like a
// job card's poll, it goes through no session.
func (s *Server) batchPollURL(id string, scope db.Owner) string {
	exp := strconv.FormatInt(s.now().Add(pollLinkTTL).Unix(), 10)
	o := scope.String()
	return "/batches/" + id + "/progress?o=" + url.QueryEscape(o) + "&e=" + exp + "&s=" + s.mac("batch", id, o, exp)
}

// GET /batches/{id}/progress?o=&e=&s=: the progress poll, one SQLite read;
// 286 (stop polling) once the batch has ended.
func (s *Server) batchProgressPoll(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	q := r.URL.Query()
	ok, expired := s.verify(q.Get("s"), q.Get("e"), "batch", id, q.Get("o"))
	if !ok {
		http.Error(w, "invalid or tampered link", http.StatusForbidden)
		return
	}
	b, err := s.DB.Batches.Get(r.Context(), db.ParseOwner(q.Get("o")), id)
	if err != nil {
		if classify(err) != nil {
			w.WriteHeader(statusStopPolling)
			return
		}
		s.Logger.Error("poll batch", "batch_id", id, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	p := s.progress(b, db.ParseOwner(q.Get("o")))
	status := http.StatusOK
	switch {
	case b.Counts.Done():
		status = statusStopPolling
	case expired:
		status, p.PollURL, p.ETA = statusStopPolling, "", "reload the page to follow"
	default:
		p.PollURL = r.URL.Path + "?" + r.URL.RawQuery
	}
	w.Header().Set("Cache-Control", cacheNone)
	s.render(w, r, status, views.BatchProgressView(p))
}

// GET /batches/{id}: progress, actions and the jobs, a page at a time.
func (s *Server) batchShow(w http.ResponseWriter, r *http.Request) {
	scope := ownerScope(currentUser(r))
	b, err := s.DB.Batches.Get(r.Context(), scope, chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page := pageNumber(r)
	js, err := s.DB.Batches.Jobs(r.Context(), scope, b.ID, perPage+1, (page-1)*perPage)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := views.BatchPage{Progress: s.progress(b, scope), Page: page}
	if len(js) > perPage {
		js, d.HasNext = js[:perPage], true
	}
	for _, j := range js {
		d.Cards = append(d.Cards, s.card(r, j))
	}
	s.render(w, r, http.StatusOK, views.BatchView(s.livePage(s.page(r, views.BatchLabel(b), "jobs")), d))
}

// GET /batches: the user's batches.
func (s *Server) batchList(w http.ResponseWriter, r *http.Request) {
	scope := ownerScope(currentUser(r))
	page := pageNumber(r)
	bs, err := s.DB.Batches.List(r.Context(), db.OwnedBy(currentUser(r).ID), perPage+1, (page-1)*perPage)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := views.BatchList{Page: page}
	if len(bs) > perPage {
		bs, l.HasNext = bs[:perPage], true
	}
	for _, b := range bs {
		l.Items = append(l.Items, s.progress(b, scope))
	}
	s.render(w, r, http.StatusOK, views.Batches(s.page(r, "Batches", "jobs"), l))
}

// POST /batches/{id}/cancel
func (s *Server) batchCancel(w http.ResponseWriter, r *http.Request) {
	b, err := s.cancelBatch(r, chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "The rest of the batch is canceled.")
	http.Redirect(w, r, "/batches/"+b.ID, http.StatusSeeOther)
}

// POST /batches/{id}/retry-failed
func (s *Server) batchRetry(w http.ResponseWriter, r *http.Request) {
	b, n, err := s.retryBatch(r, chi.URLParam(r, "id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.flash(r, "Retrying "+strconv.Itoa(n)+" failed resumes.")
	http.Redirect(w, r, "/batches/"+b.ID, http.StatusSeeOther)
}

// GET /batches/{id}/zip: the ZIP, for the signed-in user.
func (s *Server) batchZip(w http.ResponseWriter, r *http.Request) {
	scope := ownerScope(currentUser(r))
	b, err := s.DB.Batches.Get(r.Context(), scope, chi.URLParam(r, "id"))
	if err == nil && b.Counts.Succeeded == 0 {
		err = errorf(http.StatusConflict, "No resume of this batch is ready yet.")
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.writeBatchZip(w, r, scope, b)
}

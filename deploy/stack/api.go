package stack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// APIClient calls Tailor's JSON API with a token: what the stack tests and
// the bench drive a running Tailor with.
type APIClient struct {
	BaseURL string // http://host:port
	Token   string
	HTTP    *http.Client
}

// Do sends an authenticated request and returns the body of a 2xx answer;
// any other status is an error that carries the body.
func (c APIClient) Do(method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, c.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		return b, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return b, nil
}

// Submit starts a job for a candidate; a returned id is an acknowledged
// job (202).
func (c APIClient) Submit(candidateID, jobDescription string) (string, error) {
	return c.SubmitJob(map[string]string{"candidate_id": candidateID, "job_description": jobDescription})
}

// SubmitJob is Submit with the request's fields as given (job_title,
// company, theme...).
func (c APIClient) SubmitJob(fields map[string]string) (string, error) {
	body, _ := json.Marshal(fields)
	b, err := c.Do("POST", "/api/resume-async/generate-async", body)
	if err != nil {
		return "", err
	}
	var out struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.JobID == "" {
		return "", fmt.Errorf("no job id in %s", b)
	}
	return out.JobID, nil
}

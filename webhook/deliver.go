package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hibiken/asynq"

	"github.com/tailor-app/tailor/db"
)

// Delivery results, as metrics and logs name them.
const (
	resultDelivered = "delivered"
	resultFailed    = "failed"  // an error answer, a timeout, a connection error: retried
	resultRefused   = "refused" // a private address or a redirect: retried, in case DNS changes back
	resultGone      = "gone"    // 410: the endpoint is disabled
)

func (s *Service) httpClient() *http.Client {
	s.clientOnce.Do(func() {
		timeout := s.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		s.client = s.Policy.Client(timeout)
	})
	return s.client
}

// ProcessTask makes one attempt to deliver an event and logs it. An error
// makes asynq retry on the schedule; 2xx is delivered, 410 Gone disables the
// endpoint. A deleted or disabled endpoint's tasks end quietly.
func (s *Service) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var d delivery
	if err := json.Unmarshal(t.Payload(), &d); err != nil || d.WebhookID == "" {
		return fmt.Errorf("webhook delivery payload: %v: %w", err, asynq.SkipRetry)
	}
	hook, err := s.DB.Webhooks.Get(ctx, db.AllOwners, d.WebhookID)
	if errors.Is(err, db.ErrNotFound) {
		return nil // deleted since
	}
	if err != nil {
		return err
	}
	if !hook.Enabled {
		return nil
	}
	retried, _ := asynq.GetRetryCount(ctx)
	status, latency, sendErr := s.send(ctx, hook, d)

	result := resultDelivered
	var refused *RefusedError
	switch {
	case errors.As(sendErr, &refused), errors.Is(sendErr, ErrRedirect):
		result = resultRefused
	case status == http.StatusGone:
		result = resultGone
	case sendErr != nil:
		result = resultFailed
	}
	msg := ""
	if sendErr != nil {
		msg = sendErr.Error()
	}
	// The log outlives the request: a canceled task still records its attempt.
	logCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.DB.Webhooks.LogDelivery(logCtx, db.WebhookDelivery{WebhookID: hook.ID, EventID: d.EventID, EventType: d.EventType,
		JobID: d.JobID, Attempt: retried + 1, StatusCode: status, Error: msg, Latency: latency, At: s.now().UTC()}); err != nil {
		s.logger().Warn("webhook: log delivery", "webhook_id", hook.ID, "err", err)
	}
	s.Metrics.observe(result, latency)
	switch result {
	case resultDelivered:
		return nil
	case resultGone:
		if err := s.DB.Webhooks.Disable(logCtx, hook.ID, "the endpoint answered 410 Gone"); err != nil {
			return err
		}
		s.logger().Info("webhook: endpoint answered 410 Gone: disabled", "webhook_id", hook.ID)
		return nil
	}
	s.logger().Info("webhook: delivery failed, will retry", "webhook_id", hook.ID, "event_id", d.EventID,
		"attempt", retried+1, "status", status, "err", msg)
	return sendErr
}

// send POSTs the event once, signed now, and reads at most MaxAnswer of
// the answer. A non-2xx answer is an error.
func (s *Service) send(ctx context.Context, hook db.Webhook, d delivery) (status int, latency time.Duration, err error) {
	if _, err := parseURL(hook.URL); err != nil {
		return 0, 0, err
	}
	ts := s.now().Unix()
	sig, err := Sign(hook.Secret, d.EventID, ts, d.Body)
	if err != nil {
		return 0, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, 0, fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("webhook-id", d.EventID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)

	start := time.Now()
	res, err := s.httpClient().Do(req)
	if res != nil { // a redirect comes back with the answer and ErrRedirect
		status = res.StatusCode
		io.Copy(io.Discard, io.LimitReader(res.Body, MaxAnswer))
		res.Body.Close()
	}
	latency = time.Since(start)
	switch {
	case errors.Is(err, ErrRedirect):
		return status, latency, fmt.Errorf("answered %d: %w", status, ErrRedirect)
	case err != nil:
		return status, latency, deliveryError(err)
	case status < 200 || status > 299:
		return status, latency, fmt.Errorf("answered %d %s", status, http.StatusText(status))
	}
	return status, latency, nil
}

// deliveryError shortens a client error to what the owner can act on.
func deliveryError(err error) error {
	var refused *RefusedError
	if errors.As(err, &refused) {
		return refused
	}
	var timeout interface{ Timeout() bool }
	if errors.As(err, &timeout) && timeout.Timeout() {
		return fmt.Errorf("no answer in time: %w", err)
	}
	return fmt.Errorf("%s", clip(err.Error(), 300))
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "?")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

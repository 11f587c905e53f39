package llm

import (
	"context"

	"github.com/tailor-app/tailor/resume"
)

// OfflineModel is the Model of the offline tailor.
const OfflineModel = "offline"

// Offline is the built-in tailor: deterministic, no network, never invents.
type Offline struct{}

var _ Tailorer = (*Offline)(nil)

// NewOffline returns the offline tailor.
func NewOffline() *Offline { return &Offline{} }

// Model returns "offline".
func (*Offline) Model() string { return OfflineModel }

// Tailor tailors req.Profile with resume.TailorOffline. It fails only when
// ctx is done; req.Feedback is ignored since the offline tailor invents
// nothing to fix.
func (*Offline) Tailor(ctx context.Context, req Request) (Response, error) {
	if err := ctx.Err(); err != nil {
		return Response{}, stopped(err)
	}
	return Response{
		Profile: resume.TailorOffline(req.Profile, req.JobDescription, req.JobTitle),
		Model:   OfflineModel,
	}, nil
}

package webhook

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics count deliveries by result and time them.
type Metrics struct {
	deliveries *prometheus.CounterVec
	latency    prometheus.Histogram
}

// NewMetrics registers the webhook metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tailor_webhook_deliveries_total",
			Help: "Webhook delivery attempts by result: delivered, failed, refused (private address or redirect), gone (410).",
		}, []string{"result"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tailor_webhook_delivery_seconds",
			Help:    "Time of one webhook delivery attempt, from connecting to the end of the answer.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}),
	}
	for _, r := range []string{resultDelivered, resultFailed, resultRefused, resultGone} {
		m.deliveries.WithLabelValues(r)
	}
	reg.MustRegister(m.deliveries, m.latency)
	return m
}

func (m *Metrics) observe(result string, latency time.Duration) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(result).Inc()
	m.latency.Observe(latency.Seconds())
}

package alert

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tailor-app/tailor/db"
)

// Metrics is tailor_alerts_firing{rule}: 1 while the rule has an open
// firing, else 0. A nil *Metrics records nothing.
type Metrics struct {
	firing *prometheus.GaugeVec
}

// NewMetrics registers the alert metrics on reg, every rule at 0.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{firing: prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "tailor_alerts_firing", Help: "1 while Tailor's own alert rule is firing (see /admin), else 0.",
	}, []string{"rule"})}
	reg.MustRegister(m.firing)
	for _, k := range Kinds() {
		m.firing.WithLabelValues(k).Set(0)
	}
	return m
}

func (m *Metrics) set(open []db.AlertEvent) {
	if m == nil {
		return
	}
	for _, k := range Kinds() {
		v := 0.0
		for _, e := range open {
			if e.Rule == k {
				v = 1
			}
		}
		m.firing.WithLabelValues(k).Set(v)
	}
}

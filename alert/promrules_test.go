package alert_test

import (
	"io"
	"log/slog"
	"regexp"
	"slices"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/tailor-app/tailor/alert"
	"github.com/tailor-app/tailor/drill"
	"github.com/tailor-app/tailor/handlers"
	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/tasks"
)

// rulesFile is the Prometheus alerting rules file shipped for operators.
const rulesFile = "../deploy/prometheus/tailor-alerts.yml"

// collectors records what the metrics constructors register.
type collectors struct{ list []prometheus.Collector }

func (c *collectors) Register(x prometheus.Collector) error   { c.list = append(c.list, x); return nil }
func (c *collectors) MustRegister(xs ...prometheus.Collector) { c.list = append(c.list, xs...) }
func (c *collectors) Unregister(prometheus.Collector) bool    { return false }

// exportedNames are the metric names Tailor's processes export, as the
// constructors that cmd/tailor calls describe them.
func exportedNames(t *testing.T) []string {
	t.Helper()
	reg := &collectors{}
	tasks.NewMetrics(reg)
	alert.NewMetrics(reg)
	handlers.NewHTTPMetrics(reg)
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: "127.0.0.1:1"}) // described, never collected
	t.Cleanup(func() { insp.Close() })
	reg.MustRegister(tasks.NewQueueCollector(insp, tasks.QueueNames()), tasks.NewEventsLagCollector(nil),
		tasks.NewChromeCollector(func() pdf.Stats { return pdf.Stats{} }), drill.NewCollector(nil))
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	var names []string
	for _, c := range reg.list {
		ch := make(chan *prometheus.Desc, 100)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			if m := fqName.FindStringSubmatch(d.String()); m != nil {
				names = append(names, m[1])
			}
		}
	}
	return names
}

// The rules file parses as Prometheus would load it (promtool's checks:
// strict YAML, valid names, templates and expressions), has the four
// alerts, and names only metrics Tailor exports.
func TestPrometheusRulesFile(t *testing.T) {
	p := parser.NewParser(parser.Options{})
	groups, errs := rulefmt.ParseFile(rulesFile, false, model.UTF8Validation, p, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, err := range errs {
		t.Error(err)
	}
	if groups == nil {
		t.Fatal("no rule groups")
	}
	exported := exportedNames(t)
	if !slices.Contains(exported, "tailor_queue_latency_seconds") || !slices.Contains(exported, "tailor_jobs_finished_total") {
		t.Fatalf("exported metric names look wrong: %v", exported)
	}
	var alerts []string
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			expr, err := p.ParseExpr(r.Expr)
			if err != nil {
				t.Errorf("%s: %v", r.Alert, err)
				continue
			}
			used := 0
			parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
				if vs, ok := n.(*parser.VectorSelector); ok {
					used++
					if !slices.Contains(exported, vs.Name) {
						t.Errorf("%s uses %s, which Tailor does not export (it exports %v)", r.Alert, vs.Name, exported)
					}
				}
				return nil
			})
			if used == 0 {
				t.Errorf("%s reads no metric", r.Alert)
			}
			if r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("%s: want a severity label and a summary", r.Alert)
			}
		}
	}
	slices.Sort(alerts)
	if want := []string{"TailorNoWorker", "TailorQueueLatencyHigh", "TailorRestoreDrillFailing", "TailorSuccessRateLow"}; !slices.Equal(alerts, want) {
		t.Errorf("alerts = %v, want %v", alerts, want)
	}
}

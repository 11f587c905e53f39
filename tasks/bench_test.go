package tasks

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/resume/themes"
)

// reportPercentiles adds p50 and p95 in milliseconds to a benchmark.
func reportPercentiles(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	at := func(p float64) float64 {
		return float64(d[min(len(d)-1, int(float64(len(d))*p))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
}

// BenchmarkRenderTheme prints the tailored sample (two pages) with warm,
// reused tabs, one render at a time.
func BenchmarkRenderTheme(b *testing.B) {
	r := resume.TailorOffline(resume.Sample(), resume.SampleJobDescription, "")
	pool := pdf.New(pdf.Options{Tabs: 2})
	b.Cleanup(func() { pool.Close() })
	ctx := context.Background()
	for _, theme := range themes.Names() {
		b.Run(theme, func(b *testing.B) {
			html, err := themes.Render(ctx, theme, "a4", r)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := pool.Render(ctx, html, "a4"); err != nil { // warm up
				b.Fatal(err)
			}
			var d []time.Duration
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				if _, err := pool.Render(ctx, html, "a4"); err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(start))
			}
			reportPercentiles(b, d)
		})
	}
}

// BenchmarkSubmitToSucceeded measures a job from enqueue to its succeeded
// row in SQLite with an instant LLM: a cache miss (new job description each
// time) and a full cache hit.
func BenchmarkSubmitToSucceeded(b *testing.B) {
	for _, mode := range []string{"instant-llm", "cache-hit"} {
		b.Run(mode, func(b *testing.B) {
			fake := llmtest.NewServer(b, llmtest.Echo(""))
			p := startPipeline(b, pipelineOptions{tailorer: llm.NewOpenAI(llm.Config{APIKey: "k", BaseURL: fake.URL})})
			jd := func(i int) string {
				if mode == "cache-hit" {
					return resume.SampleJobDescription
				}
				return fmt.Sprintf("%s\nposting %d", resume.SampleJobDescription, i)
			}
			p.waitFinal(b, p.submit(b, resume.Sample(), jd(-1)).ID, time.Minute) // warm up Chrome and the cache
			var d []time.Duration
			i := 0
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				j := p.waitFinal(b, p.submit(b, resume.Sample(), jd(i)).ID, time.Minute)
				d = append(d, time.Since(start))
				if j.Status != jobstate.StatusSucceeded || (mode == "cache-hit") != j.Cached {
					b.Fatalf("job %s cached=%v", j.Status, j.Cached)
				}
				i++
			}
			reportPercentiles(b, d)
		})
	}
}

package themes

import (
	"context"
	"testing"
	"time"

	"github.com/tailor-app/tailor/pdf"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

// BenchmarkRenderTheme prints the tailored sample (two pages) with warm,
// reused tabs, one render at a time.
func BenchmarkRenderTheme(b *testing.B) {
	r := resume.TailorOffline(resume.Sample(), resume.SampleJobDescription, "")
	pool := pdf.New(pdf.Options{Tabs: 2})
	b.Cleanup(func() { pool.Close() })
	ctx := context.Background()
	for _, theme := range Names() {
		b.Run(theme, func(b *testing.B) {
			html, err := Render(ctx, theme, "a4", r)
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
			taskstest.ReportPercentiles(b, d)
		})
	}
}

package jobs

import (
	"fmt"
	"testing"
	"time"

	"github.com/tailor-app/tailor/jobstate"
	"github.com/tailor-app/tailor/llm"
	"github.com/tailor-app/tailor/llm/llmtest"
	"github.com/tailor-app/tailor/resume"
	"github.com/tailor-app/tailor/tasks/taskstest"
)

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
			taskstest.ReportPercentiles(b, d)
		})
	}
}

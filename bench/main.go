// Command bench measures Tailor the same way every time: it starts the real
// app (a redis-server on a free port, an OpenAI-compatible fake LLM, real
// Chrome), drives it with load, and prints one table of figures, each beside
// its performance target where it has one, also written as JSON for `compare`.
//
//	go run ./bench [-quick] [-duration 10s] [-recruiters 1000] [-soak 1000] [-profile]
//	go run ./bench compare A.json B.json
//	go run ./bench chaos [-quick]
//	go run ./bench drill [-cycles 20]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "compare":
			if len(args) != 3 {
				return fmt.Errorf("usage: bench compare A.json B.json")
			}
			return compare(os.Stdout, args[1], args[2])
		case "chaos":
			return runChaos(ctx, args[1:])
		case "drill":
			return runDrill(ctx, args[1:])
		}
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	o := options{}
	fs.BoolVar(&o.quick, "quick", false, "short durations and small scales, for a laptop")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time of each closed-loop scenario")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured time before each closed-loop scenario")
	fs.DurationVar(&o.openLoop, "open-loop", 60*time.Second, "length of the recruiter model")
	fs.IntVar(&o.recruiters, "recruiters", 1000, "simulated recruiters in the open-loop model")
	fs.IntVar(&o.soak, "soak", 1000, "jobs in the memory soak")
	fs.DurationVar(&o.llmLatency, "llm-latency", 0, "the fake LLM's answer time")
	fs.BoolVar(&o.profile, "profile", false, "write CPU and heap profiles of the web process during the hottest scenario")
	fs.StringVar(&o.only, "only", "", "comma-separated scenarios to run (enqueue,status,recruiters,pdf,jobs,soak,batch,claims,sse); empty = all")
	fs.IntVar(&o.sseClients, "sse-clients", 0, "connected live-update clients in the sse scenario (default 10000, -quick 2000)")
	fs.StringVar(&o.out, "out", "bench/results", "folder for the JSON results and profiles")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.quick {
		o.duration, o.warmup, o.openLoop = 3*time.Second, time.Second, 20*time.Second
		o.recruiters, o.soak = min(o.recruiters, 300), min(o.soak, 200)
	}
	return runBench(ctx, o)
}

type options struct {
	quick      bool
	duration   time.Duration
	warmup     time.Duration
	openLoop   time.Duration
	recruiters int
	soak       int
	llmLatency time.Duration
	profile    bool
	only       string
	out        string
	sseClients int
}

func (o options) wants(name string) bool { return listed(o.only, name) }

// listed reports whether name is in a comma-separated -only list; an empty
// list names everything.
func listed(only, name string) bool {
	if only == "" {
		return true
	}
	for _, s := range strings.Split(only, ",") {
		if strings.TrimSpace(s) == name {
			return true
		}
	}
	return false
}

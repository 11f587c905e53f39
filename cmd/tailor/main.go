// Command tailor runs Tailor: the web server, the worker and the events
// consumer (together with `tailor serve`, or apart), and the admin commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "tailor:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `Tailor turns a candidate's profile and a job description into a tailored,
truthful, print-ready resume PDF.

Usage:
  tailor serve                       web server, worker and events consumer in one process (default)
  tailor web                         web server and events consumer only
  tailor worker                      worker only (needs REDIS_URL; never opens the database)
  tailor migrate                     apply database migrations and exit
  tailor user add --email E --role recruiter|admin
                                     create a user; the password is read from stdin
  tailor token create --email E [--name N]
                                     create an API token for a user; prints only the token
  tailor batch --email E --opening ID --candidates FILE|all [--theme T] [--paper P]
                                     start a batch (FILE: one candidate id a line), print the counts
                                     each second until it ends; exits 1 if any job did not succeed
  tailor drill [--replica URL]       restore the latest replica to a temporary file, check it against
                                     the live database, print the measured RPO; exits 1 on failure

Configuration is read from the environment; see README.md (ADDR, DATABASE_PATH,
REDIS_URL, OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL, CHROME_PATH, ...).
`

// run is the whole program; main only supplies the process's real I/O.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve", "web", "worker":
		cfg, err := loadConfig(getenv)
		if err != nil {
			return err
		}
		return serve(ctx, cmd, cfg, newLogger(stderr, cfg.LogLevel), stdout)
	case "migrate":
		return migrate(ctx, getenv, stdout, stderr)
	case "user":
		return userCommand(ctx, args, getenv, stdin, stdout, stderr)
	case "token":
		return tokenCommand(ctx, args, getenv, stdout, stderr)
	case "batch":
		return batchCommand(ctx, args, getenv, stdout, stderr)
	case "drill":
		return drillCommand(ctx, args, getenv, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "tailor: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}

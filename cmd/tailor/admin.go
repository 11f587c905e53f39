package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/tailor-app/tailor/db"
)

func openDB(ctx context.Context, getenv func(string) string) (*db.DB, error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return nil, err
	}
	d, err := db.OpenWith(cfg.DatabasePath, cfg.DBOptions())
	if err != nil {
		return nil, err
	}
	if _, err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func migrate(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if cfg.WriterLease {
		return migrateAsWriter(ctx, cfg, stdout, stderr)
	}
	d, err := db.OpenWith(cfg.DatabasePath, cfg.DBOptions())
	if err != nil {
		return err
	}
	defer d.Close()
	applied, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d migration(s) applied %v\n", cfg.DatabasePath, len(applied), applied)
	return nil
}

// tailor user add --email E --role recruiter|admin (password on stdin)
func userCommand(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, "usage: tailor user add --email E --role recruiter|admin  (password on stdin)")
		return errUsage
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the user's email (their login)")
	role := fs.String("role", db.RoleRecruiter, "recruiter or admin")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if *email == "" {
		fmt.Fprintln(stderr, "tailor user add: --email is required")
		return errUsage
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	d, err := openDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.Users.Create(ctx, *email, *role, password)
	if errors.Is(err, db.ErrConflict) {
		return fmt.Errorf("a user with email %s already exists", *email)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %s\n", u.Role, u.Email)
	return nil
}

// readPassword reads one line; on a terminal it prompts and hides the input.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password (at least 8 characters): ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on stdin (example: echo 'a-long-password' | tailor user add ...)")
	}
	return line, nil
}

// tailor token create --email E [--name N]: prints only the token.
func tokenCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: tailor token create --email E [--name N]")
		return errUsage
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the user the token acts as")
	name := fs.String("name", "cli", "a name to recognise the token by")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if *email == "" {
		fmt.Fprintln(stderr, "tailor token create: --email is required")
		return errUsage
	}
	d, err := openDB(ctx, getenv)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := d.Users.ByEmail(ctx, *email)
	if errors.Is(err, db.ErrNotFound) {
		return fmt.Errorf("no user with email %s (create one with: tailor user add)", *email)
	}
	if err != nil {
		return err
	}
	secret, _, err := d.Tokens.Create(ctx, u.ID, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

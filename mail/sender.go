// Package mail sends Tailor's e-mail notifications: a recruiter's job is
// ready or failed, the admins' daily digest of failures, and alert mails.
// It is a notify.Channel: each mail is recorded in SQLite (a sent-marker)
// and queued as a task on the notify queue, so a slow or down SMTP server
// never delays job state, and a mail goes out at most once per job and
// kind however often it is dispatched.
package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail, as Tailor composes it.
type Message struct {
	From      string // "Tailor <tailor@example.com>"
	To        string
	Subject   string
	MessageID string // without the angle brackets; deterministic per mail
	Date      time.Time
	// Unsubscribe is the signed one-click link (RFC 8058 when https) and
	// Settings the preferences page; either may be "" (no BASE_URL).
	Unsubscribe string
	Settings    string
	Text        string
	Attachment  *Attachment
}

// Attachment is a file sent with a mail.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Sender delivers a mail; an error means it was not accepted (retry).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// SMTPConfig is SMTP_URL read: where and how to connect.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS: "starttls" (smtp://, STARTTLS required), "tls" (smtps://,
	// implicit TLS) or "none" (smtp+insecure://, a plain local relay).
	TLS string
}

// ParseSMTPURL reads SMTP_URL: smtp://user:pass@host:587 (STARTTLS, which
// the server must offer: credentials and resumes never cross the network
// in clear), smtps://user:pass@host:465 (implicit TLS), or
// smtp+insecure://host:25 (no TLS at all: a relay on the same machine or
// network, e.g. Postfix or Mailpit). The error never repeats the value,
// which holds a password.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	const want = "must be smtp://user:pass@host:port (STARTTLS), smtps://user:pass@host:port (TLS) or smtp+insecure://host:port (no TLS)"
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return SMTPConfig{}, errors.New(want)
	}
	c := SMTPConfig{Host: u.Hostname()}
	var defPort int
	switch u.Scheme {
	case "smtp":
		c.TLS, defPort = "starttls", 587
	case "smtps":
		c.TLS, defPort = "tls", 465
	case "smtp+insecure":
		c.TLS, defPort = "none", 25
	default:
		return SMTPConfig{}, errors.New(want)
	}
	c.Port = defPort
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTPConfig{}, errors.New(want + ": the port is not a number from 1 to 65535")
		}
		c.Port = n
	}
	if c.Host == "" {
		return SMTPConfig{}, errors.New(want)
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	return c, nil
}

// String is the URL without its password, for logs.
func (c SMTPConfig) String() string {
	scheme := map[string]string{"starttls": "smtp", "tls": "smtps", "none": "smtp+insecure"}[c.TLS]
	user := ""
	if c.Username != "" {
		user = url.User(c.Username).String() + "@"
	}
	return scheme + "://" + user + net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// SMTPTimeout bounds connecting and each SMTP command.
const SMTPTimeout = 20 * time.Second

// SMTP sends through an SMTP server with go-mail, one connection per mail
// (notifications are few; a pooled connection would go stale between them).
type SMTP struct {
	Config  SMTPConfig
	Timeout time.Duration // 0: SMTPTimeout
}

var _ Sender = (*SMTP)(nil)

// Send delivers m.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg, err := goMessage(m)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = SMTPTimeout
	}
	opts := []gomail.Option{gomail.WithPort(s.Config.Port), gomail.WithTimeout(timeout)}
	switch s.Config.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.Config.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Config.Username), gomail.WithPassword(s.Config.Password))
	}
	client, err := gomail.NewClient(s.Config.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp %s: %w", net.JoinHostPort(s.Config.Host, strconv.Itoa(s.Config.Port)), err)
	}
	return nil
}

// goMessage builds go-mail's message: text/plain, the PDF attached, the
// unsubscribe headers.
func goMessage(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("mail from %q: %w", m.From, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail to %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	if m.Date.IsZero() {
		msg.SetDate()
	} else {
		msg.SetDateWithValue(m.Date)
	}
	// Out-of-office replies and the like stay away (RFC 3834).
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	var unsub []string
	if m.Unsubscribe != "" {
		unsub = append(unsub, m.Unsubscribe)
	}
	if m.Settings != "" {
		unsub = append(unsub, m.Settings)
	}
	switch {
	case strings.HasPrefix(m.Unsubscribe, "https://"):
		if err := msg.SetListUnsubscribeOneClick(m.Unsubscribe, unsub[1:]...); err != nil {
			return nil, err
		}
	case len(unsub) > 0:
		msg.SetListUnsubscribe(unsub...) // RFC 8058's one-click needs https
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if a := m.Attachment; a != nil {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.Name, err)
		}
	}
	return msg, nil
}

// Log writes mails to a writer instead of sending them: what `make run`
// does when SMTP_URL is unset. Attachments show as their name and size.
type Log struct {
	mu sync.Mutex
	W  io.Writer
}

var _ Sender = (*Log)(nil)

// Send writes m.
func (l *Log) Send(_ context.Context, m Message) error {
	var b strings.Builder
	fmt.Fprintf(&b, "----- mail (SMTP_URL is unset: logged, not sent) -----\n")
	fmt.Fprintf(&b, "From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s>\n", m.From, m.To, m.Subject, m.MessageID)
	var unsub []string
	for _, u := range []string{m.Unsubscribe, m.Settings} {
		if u != "" {
			unsub = append(unsub, "<"+u+">")
		}
	}
	if len(unsub) > 0 {
		fmt.Fprintf(&b, "List-Unsubscribe: %s\n", strings.Join(unsub, ", "))
	}
	fmt.Fprintf(&b, "\n%s\n", strings.TrimRight(m.Text, "\n"))
	if a := m.Attachment; a != nil {
		fmt.Fprintf(&b, "[attachment %s, %s, %d bytes]\n", a.Name, a.ContentType, len(a.Data))
	}
	b.WriteString("----- end of mail -----\n")
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := io.WriteString(l.W, b.String())
	return err
}

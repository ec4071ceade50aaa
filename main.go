// Command atelier runs the Atelier booking server for shared workshops.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // site time zones work on machines without a zoneinfo database

	"atelier/handlers"
	"atelier/mail"
	"atelier/models"
	"atelier/static"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "atelier:", err)
		os.Exit(1)
	}
}

// Config is the whole configuration, from flags and environment.
type Config struct {
	Addr          string
	DB            string
	AdminEmail    string
	AdminPassword string
	Demo          bool
	PublicURL     string
	Secret        string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (ATELIER_TRUSTED_PROXIES; ATELIER_TRUST_PROXY=1: loopback).
	TrustedProxies []netip.Prefix
	LogLevel       slog.Level
	// SMTPURL, when set, sends notifications by email too, from MailFrom.
	SMTPURL  string
	MailFrom string
	// ReminderHours is how long before an approved booking its member is
	// reminded (0: never).
	ReminderHours int
	// Args are the words left after the flags.
	Args []string
}

func loadConfig(args []string, backup bool, getenv func(string) string, stdout io.Writer) (Config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	cfg := Config{}
	var err error
	fs := flag.NewFlagSet("atelier", flag.ContinueOnError)
	// A wrong flag is returned, and main writes it to stderr: the flag
	// package's own message would land in the JSON log stream on stdout.
	// Only the usage asked for with -h goes to stdout.
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.Addr, "addr", env("ATELIER_ADDR", "localhost:8080"), "listen address (ATELIER_ADDR)")
	fs.StringVar(&cfg.DB, "db", env("ATELIER_DB", "atelier.db"), "SQLite file path or postgres:// URL (ATELIER_DB)")
	fs.BoolVar(&cfg.Demo, "demo", env("ATELIER_DEMO", "") == "1", "fill an empty database with a demo workshop (ATELIER_DEMO=1)")
	fs.StringVar(&cfg.PublicURL, "public-url", env("ATELIER_PUBLIC_URL", ""), "address people reach Atelier at (ATELIER_PUBLIC_URL)")
	level := fs.String("log-level", env("ATELIER_LOG_LEVEL", "info"), "debug, info, warn or error (ATELIER_LOG_LEVEL)")
	if err = fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.PrintDefaults()
		}
		return cfg, err
	}
	cfg.Args = fs.Args()
	if len(cfg.Args) > 0 && !backup {
		return cfg, fmt.Errorf("unexpected argument %q (flags take --name=value or --name value; the only command is backup)", cfg.Args[0])
	}
	cfg.AdminEmail, cfg.AdminPassword = getenv("ATELIER_ADMIN_EMAIL"), getenv("ATELIER_ADMIN_PASSWORD")
	cfg.Secret = getenv("ATELIER_SECRET")
	if cfg.TrustedProxies, err = trustedProxies(getenv("ATELIER_TRUSTED_PROXIES"), getenv("ATELIER_TRUST_PROXY")); err != nil {
		return cfg, err
	}
	if cfg.PublicURL == "" {
		host, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return cfg, fmt.Errorf("ATELIER_ADDR %q is not host:port", cfg.Addr)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		cfg.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if !strings.HasPrefix(cfg.PublicURL, "http://") && !strings.HasPrefix(cfg.PublicURL, "https://") {
		return cfg, fmt.Errorf("ATELIER_PUBLIC_URL must start with http:// or https://")
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(*level)); err != nil {
		return cfg, fmt.Errorf("ATELIER_LOG_LEVEL: %w", err)
	}
	cfg.SMTPURL = getenv("ATELIER_SMTP_URL")
	cfg.MailFrom = env("ATELIER_MAIL_FROM", mail.DefaultFrom(cfg.PublicURL))
	cfg.ReminderHours = 24
	if v := getenv("ATELIER_REMINDER_HOURS"); v != "" {
		h, err := strconv.Atoi(v)
		if err != nil || h < 0 || h > 24*14 {
			return cfg, fmt.Errorf("ATELIER_REMINDER_HOURS must be a whole number of hours from 0 (off) to 336, not %q", v)
		}
		cfg.ReminderHours = h
	}
	if (cfg.AdminEmail == "") != (cfg.AdminPassword == "") {
		return cfg, errors.New("set both ATELIER_ADMIN_EMAIL and ATELIER_ADMIN_PASSWORD, or neither")
	}
	return cfg, nil
}

// trustedProxies reads the proxies whose X-Forwarded-For is believed: the
// addresses or CIDRs listed (comma or space separated), and no others; or,
// with only ATELIER_TRUST_PROXY=1, a proxy on the same machine (loopback).
// A private range is never implied: anyone on the LAN could then claim any
// address and escape the per-address sign-in limits.
func trustedProxies(list, trustProxy string) ([]netip.Prefix, error) {
	if trustProxy != "" && trustProxy != "0" && trustProxy != "1" {
		return nil, fmt.Errorf("ATELIER_TRUST_PROXY must be 1 or 0, not %q", trustProxy)
	}
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, fmt.Errorf("ATELIER_TRUSTED_PROXIES: %q is neither an address nor a CIDR", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	if len(out) == 0 && trustProxy == "1" {
		out = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	return out, nil
}

// run starts Atelier and serves until ctx ends, then stops gracefully:
// requests in flight finish before the database closes.
//
// "atelier backup FILE" writes an online copy of the SQLite database instead.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	backup := len(args) > 1 && args[1] == "backup"
	if backup {
		args = args[1:]
	}
	cfg, err := loadConfig(args[1:], backup, getenv, stdout)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	if backup && !strings.Contains(cfg.DB, "://") {
		if _, err := os.Stat(cfg.DB); err != nil {
			return fmt.Errorf("backup: no database at %s", cfg.DB)
		}
	}
	// A stop asked for while starting (the database is slow to answer, say)
	// is a clean stop, not a failure of the step it interrupted.
	startErr := func(err error) error {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}

	db, err := models.Open(ctx, cfg.DB, log)
	if err != nil {
		return startErr(err)
	}
	defer db.Close()
	if backup {
		return runBackup(ctx, db, cfg, stdout)
	}
	if cfg.Secret != "" {
		db.SetInstallationKey(cfg.Secret)
	}
	if pw, err := db.EnsureAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword); err != nil {
		return startErr(fmt.Errorf("creating the first admin: %w", err))
	} else if pw != "" {
		fmt.Fprintf(stdout, "First admin created: sign in as admin@atelier.local with the password %s (shown once)\n", pw)
	}
	if cfg.Demo {
		if created, err := db.SeedDemo(ctx); err != nil {
			return startErr(fmt.Errorf("demo data: %w", err))
		} else if created {
			log.Info("demo workshop created", "sign_in", models.DemoSignIn)
		}
	}

	var sender *mail.Sender
	if cfg.SMTPURL != "" {
		if sender, err = mail.New(db, mail.Config{URL: cfg.SMTPURL, From: cfg.MailFrom, PublicURL: cfg.PublicURL}, log); err != nil {
			return err
		}
		db.Mail = true
	}
	// The background work stops with the server, before the database closes.
	bg, stopBG := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { stopBG(); wg.Wait() }()
	if sender != nil {
		wg.Go(func() { sender.Run(bg) })
	}
	wg.Go(func() { mail.Reminders(bg, db, time.Duration(cfg.ReminderHours)*time.Hour, log) })

	h := handlers.New(db, handlers.Config{
		PublicURL: cfg.PublicURL, SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://"),
		Static: static.Files, Logger: log, TrustedProxies: cfg.TrustedProxies,
	})
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("atelier listening", "addr", ln.Addr().String(), "db", string(db.Dialect), "public_url", cfg.PublicURL)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Requests still running after 20 s are cut; every one that was
		// answered is committed, so this is still an orderly stop.
		log.Warn("requests still running at the end of the grace period were cut", "err", err)
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func runBackup(ctx context.Context, db *models.DB, cfg Config, stdout io.Writer) error {
	files := cfg.Args
	if len(files) != 1 {
		return errors.New("usage: atelier backup [--db PATH] FILE")
	}
	if _, err := os.Stat(files[0]); err == nil {
		return fmt.Errorf("backup: %s exists already", files[0])
	}
	if err := db.Backup(ctx, files[0]); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", cfg.DB, files[0])
	return nil
}

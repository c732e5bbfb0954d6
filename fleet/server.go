package fleet

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// ServerConfig is an embedded JetStream server's configuration.
type ServerConfig struct {
	// StoreDir holds JetStream's file store (a directory of the run). A server
	// started again on the same StoreDir finds its jobs and results there.
	StoreDir string
	// Listen is host:port for remote workers ("" opens no port; port 0 picks a
	// free one). A listening server requires credentials: User and Password, or
	// NKeySeedFile, or both.
	Listen   string
	User     string
	Password string
	// NKeySeedFile is a user NKey seed file (nk -gen user); the server admits the
	// holder of that seed.
	NKeySeedFile string
	// TLSCert and TLSKey (PEM files) make the listener require TLS.
	TLSCert, TLSKey string
}

// Server is an embedded JetStream server.
type Server struct {
	ns *server.Server
	// local credentials for in-process connections when the server requires auth.
	localUser, localPass string
}

// StartServer starts an embedded JetStream server and waits until it accepts
// connections.
func StartServer(cfg ServerConfig) (*Server, error) {
	if cfg.StoreDir == "" {
		return nil, fmt.Errorf("embedded NATS server: no store directory")
	}
	opts := &server.Options{
		ServerName: "ltsbench",
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		DontListen: cfg.Listen == "",
		NoLog:      true,
		NoSigs:     true,
	}
	s := &Server{}
	if cfg.Listen != "" {
		host, portStr, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("--listen %q: want host:port: %w", cfg.Listen, err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil || port < 0 || port > 65535 {
			return nil, fmt.Errorf("--listen %q: bad port", cfg.Listen)
		}
		if port == 0 {
			port = server.RANDOM_PORT
		}
		opts.Host, opts.Port = host, port
		if cfg.User == "" && cfg.NKeySeedFile == "" {
			return nil, fmt.Errorf("--listen %s needs credentials (a user and password, or an NKey seed file): workers would otherwise join unchecked", cfg.Listen)
		}
		if (cfg.User == "") != (cfg.Password == "") {
			return nil, fmt.Errorf("--listen %s: a user needs a password and a password a user", cfg.Listen)
		}
		if cfg.User != "" {
			opts.Users = append(opts.Users, &server.User{Username: cfg.User, Password: cfg.Password})
		}
		if cfg.NKeySeedFile != "" {
			pub, err := nkeyPublic(cfg.NKeySeedFile)
			if err != nil {
				return nil, err
			}
			opts.Nkeys = append(opts.Nkeys, &server.NkeyUser{Nkey: pub})
		}
		// In-process connections authenticate as a user only this process knows.
		s.localUser, s.localPass = "ltsbench-local", randomHex(16)
		opts.Users = append(opts.Users, &server.User{Username: s.localUser, Password: s.localPass})
		if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
			return nil, fmt.Errorf("TLS needs both a certificate and a key file")
		}
		if cfg.TLSCert != "" {
			tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: cfg.TLSCert, KeyFile: cfg.TLSKey})
			if err != nil {
				return nil, fmt.Errorf("TLS %s, %s: %w", cfg.TLSCert, cfg.TLSKey, err)
			}
			opts.TLSConfig, opts.TLS, opts.TLSTimeout = tc, true, 2
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded NATS server: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(30 * time.Second) {
		ns.Shutdown()
		return nil, fmt.Errorf("embedded NATS server (store %s) not ready after 30 s", cfg.StoreDir)
	}
	s.ns = ns
	return s, nil
}

// Connect opens an in-process connection (no socket).
func (s *Server) Connect(opts ...nats.Option) (*nats.Conn, error) {
	opts = append([]nats.Option{nats.InProcessServer(s.ns), nats.Name("ltsbench in-process")}, opts...)
	if s.localUser != "" {
		opts = append(opts, nats.UserInfo(s.localUser, s.localPass))
	}
	nc, err := nats.Connect("", opts...)
	if err != nil {
		return nil, fmt.Errorf("in-process NATS connection: %w", err)
	}
	return nc, nil
}

// ClientURL is the URL remote workers dial ("" when the server opens no port).
func (s *Server) ClientURL() string {
	if s.ns.Addr() == nil {
		return ""
	}
	return s.ns.ClientURL()
}

// Shutdown stops the server; its store stays on disk.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// Credentials are what a client presents to a NATS server.
type Credentials struct {
	User, Password string
	NKeySeedFile   string // a user NKey seed file
	CredsFile      string // a NATS .creds file (JWT + seed), for servers run by operators
	CAFile         string // PEM roots to check the server's TLS certificate
}

// Dial connects to a NATS server by URL (nats://host:port, tls://…; a comma-separated
// list for a cluster). It keeps reconnecting for as long as the process lives.
func Dial(url string, cred Credentials, opts ...nats.Option) (*nats.Conn, error) {
	opts = append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(time.Second)}, opts...)
	if cred.User != "" {
		opts = append(opts, nats.UserInfo(cred.User, cred.Password))
	}
	if cred.NKeySeedFile != "" {
		o, err := nats.NkeyOptionFromSeed(cred.NKeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("NKey seed %s: %w", cred.NKeySeedFile, err)
		}
		opts = append(opts, o)
	}
	if cred.CredsFile != "" {
		opts = append(opts, nats.UserCredentials(cred.CredsFile))
	}
	if cred.CAFile != "" {
		opts = append(opts, nats.RootCAs(cred.CAFile))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("NATS %s: %w", url, err)
	}
	return nc, nil
}

func nkeyPublic(seedFile string) (string, error) {
	b, err := os.ReadFile(seedFile)
	if err != nil {
		return "", fmt.Errorf("NKey seed: %w", err)
	}
	kp, err := nkeys.ParseDecoratedNKey(b)
	if err != nil {
		kp, err = nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
	}
	if err != nil {
		return "", fmt.Errorf("NKey seed %s: %w", seedFile, err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		return "", fmt.Errorf("NKey seed %s: %w", seedFile, err)
	}
	if !nkeys.IsValidPublicUserKey(pub) {
		return "", fmt.Errorf("NKey seed %s is not a user seed (nk -gen user)", seedFile)
	}
	return pub, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

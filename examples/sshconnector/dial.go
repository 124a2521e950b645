package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/stewardhq/steward/sdk"
)

// dial opens an SSH connection to h with key authentication and the configured host key
// check. Errors say who failed: an unreachable host is a retryable downstream fault, a
// refused key is unauthorized, an unknown host key is the configuration's.
func dial(ctx context.Context, s *settings, h host) (*ssh.Client, error) {
	addr := net.JoinHostPort(h.Address, strconv.Itoa(h.Port))
	d := net.Dialer{Timeout: s.connectTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, sdk.Retryable(fmt.Errorf("connect to %s: %w", addr, err))
	}

	// The SSH handshake has no context: a deadline and closing on cancellation bound it.
	deadline := time.Now().Add(s.connectTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	cfg := &ssh.ClientConfig{
		User:            h.User,
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(s.signer)},
		HostKeyCallback: s.hostKey,
		Timeout:         s.connectTimeout,
	}
	if s.checksHostKeys {
		cfg.HostKeyAlgorithms = knownAlgorithms(s.hostKey, addr, conn.RemoteAddr())
	}
	cc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, handshakeError(addr, h.User, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(cc, chans, reqs), nil
}

func handshakeError(addr, user string, err error) error {
	var keyErr *knownhosts.KeyError
	var revoked *knownhosts.RevokedError
	switch {
	case errors.As(err, &keyErr) && len(keyErr.Want) == 0:
		return sdk.ConfigError("knownHostsFile", fmt.Errorf("%s is not in the known_hosts "+
			"file; add its key (ssh-keyscan) after checking it", addr))
	case errors.As(err, &keyErr):
		return sdk.Downstream(fmt.Errorf("the host key of %s differs from known_hosts: the "+
			"host was reinstalled or the connection is intercepted", addr))
	case errors.As(err, &revoked):
		return sdk.Downstream(fmt.Errorf("%s presented a revoked host key", addr))
	case strings.Contains(err.Error(), "unable to authenticate"):
		return sdk.Unauthorized(fmt.Errorf("%s refused the key for user %s: %w", addr, user,
			err))
	}
	return sdk.Retryable(fmt.Errorf("ssh handshake with %s: %w", addr, err))
}

// probeKey is a throwaway key that is in no known_hosts file. Offering it to the callback
// makes knownhosts list the keys it does know for a host.
var probeKey = func() ssh.PublicKey {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return k
}()

// knownAlgorithms returns the host key algorithms of the keys known_hosts holds for addr.
// Without it the server may present a key of a type the file lacks, and the check fails
// although the file is right.
func knownAlgorithms(cb ssh.HostKeyCallback, addr string, remote net.Addr) []string {
	var keyErr *knownhosts.KeyError
	if err := cb(addr, remote, probeKey); !errors.As(err, &keyErr) {
		return nil
	}
	var algos []string
	for _, k := range keyErr.Want {
		switch t := k.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			algos = append(algos, t)
		}
	}
	return algos
}

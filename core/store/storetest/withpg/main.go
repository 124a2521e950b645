// Command withpg starts a throwaway PostgreSQL server, runs a command with
// STEWARD_TEST_POSTGRES_URL pointing at it, and removes the server afterwards. `make test` uses
// it so the store tests run against a real PostgreSQL on any machine with the server binaries;
// when they are missing and we are root on Debian, it installs the postgresql package first.
//
// Usage: go run ./core/store/storetest/withpg -- go test ./...
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: withpg -- COMMAND [ARGS...]")
		os.Exit(2)
	}
	code, err := run(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "withpg:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(args []string) (int, error) {
	bin, err := findBinaries()
	if err != nil {
		return 0, err
	}
	srv, err := start(bin)
	if err != nil {
		return 0, err
	}
	defer srv.stop()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), "STEWARD_TEST_POSTGRES_URL="+srv.url)
	fmt.Fprintf(os.Stderr, "withpg: PostgreSQL (%s) on %s\n", bin, srv.url)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", args[0], err)
	}
	go func() {
		for s := range sigs {
			_ = cmd.Process.Signal(s)
		}
	}()
	err = cmd.Wait()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return exitErr.ExitCode(), nil
	}
	if err != nil {
		return 0, fmt.Errorf("run %s: %w", args[0], err)
	}
	return 0, nil
}

// findBinaries returns the folder of initdb and postgres, installing Debian's postgresql
// package when no server is installed and we may.
func findBinaries() (string, error) {
	if dir := newestDebianBin(); dir != "" {
		return dir, nil
	}
	if path, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(path), nil
	}
	if os.Geteuid() != 0 {
		return "", errors.New("no PostgreSQL server binaries found; install the postgresql " +
			"package (apt-get install postgresql)")
	}
	fmt.Fprintln(os.Stderr, "withpg: installing postgresql with apt-get")
	for _, c := range [][]string{
		{"apt-get", "update"},
		{"apt-get", "install", "-y", "--no-install-recommends", "postgresql"},
	} {
		cmd := exec.Command(c[0], c[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("install postgresql: %s: %w", c[1], err)
		}
	}
	if dir := newestDebianBin(); dir != "" {
		return dir, nil
	}
	return "", errors.New("postgresql installed but no initdb found under /usr/lib/postgresql")
}

func newestDebianBin() string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(matches, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(matches[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(matches[j]))))
		return vi > vj
	})
	if len(matches) == 0 {
		return ""
	}
	return filepath.Dir(matches[0])
}

type server struct {
	dir  string
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

func start(bin string) (*server, error) {
	dir, err := os.MkdirTemp("", "steward-pg-")
	if err != nil {
		return nil, fmt.Errorf("make cluster folder: %w", err)
	}
	cred, err := serverUser(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")

	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "steward",
		"--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}

	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Durability settings are off: the cluster is thrown away after the run.
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port),
		"-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
		"-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=400", "-c", "shared_buffers=128MB")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true,
		Pdeathsig: syscall.SIGKILL}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("create server log: %w", err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	s := &server{dir: dir, cmd: cmd, done: make(chan struct{}),
		url: fmt.Sprintf("postgres://steward@127.0.0.1:%d/postgres?sslmode=disable", port)}
	go func() { _ = cmd.Wait(); close(s.done) }()

	if err := s.waitReady(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		s.stop()
		return nil, fmt.Errorf("%w\n%s", err, log)
	}
	return s, nil
}

// serverUser returns the account the server runs as: PostgreSQL refuses to run as root, so
// root hands the cluster to the postgres (or nobody) account.
func serverUser(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, fmt.Errorf("hand cluster folder to %s: %w", name, err)
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root and no postgres or nobody account to run the server")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *server) waitReady() error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return errors.New("postgres exited during start-up")
		default:
		}
		db, err := sql.Open("pgx", s.url)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err = db.PingContext(ctx)
			cancel()
			db.Close()
			if err == nil {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return errors.New("postgres did not accept connections within 60s")
}

func (s *server) stop() {
	// SIGINT is PostgreSQL's fast shutdown: it ends sessions and exits cleanly.
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	os.RemoveAll(s.dir)
}

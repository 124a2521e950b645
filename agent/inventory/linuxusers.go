package inventory

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"
)

// linuxUsers lists the people signed in. logind knows the class of each session and so can
// leave out display-manager greeters and the per-user service managers; without logind
// (containers, non-systemd systems) utmp, read by who, is the fallback.
func (c *Collector) linuxUsers(ctx context.Context) ([]string, error) {
	if users, err := c.logindUsers(ctx); err == nil && users != nil {
		return users, nil
	}

	out, found, err := c.run(ctx, "who")
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	if !found {
		return nil, nil
	}
	return parseWho(out), nil
}

// logindUsers returns nil without error when loginctl is absent or logind is not running,
// and a non-nil, possibly empty, slice when logind answered.
func (c *Collector) logindUsers(ctx context.Context) ([]string, error) {
	out, found, err := c.run(ctx, "loginctl", "list-sessions", "--no-legend", "--no-pager")
	if err != nil || !found {
		return nil, err
	}
	ids := parseSessionIDs(out)
	if len(ids) == 0 {
		return []string{}, nil
	}

	args := []string{"show-session", "--no-pager", "-p", "Name", "-p", "Class", "-p", "State"}
	out, _, err = c.run(ctx, "loginctl", append(args, ids...)...)
	if err != nil {
		return nil, err
	}
	return parseSessionProps(out), nil
}

// parseSessionIDs takes the first column of `loginctl list-sessions --no-legend`. Versions
// differ in the columns after it, and older ones indent the lines.
func parseSessionIDs(out []byte) []string {
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 3 || fields[0] == "SESSION" {
			continue
		}
		ids = append(ids, fields[0])
	}
	return ids
}

// parseSessionProps reads the blank-line separated property blocks that show-session prints
// for several sessions, and keeps the users of sessions a person is signed in to.
func parseSessionProps(out []byte) []string {
	users := []string{}
	props := map[string]string{}
	flush := func() {
		if humanSession(props["Class"], props["State"]) && props["Name"] != "" {
			users = appendUnique(users, props["Name"])
		}
		props = map[string]string{}
	}

	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			flush()
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok {
			props[k] = v
		}
	}
	flush()
	return users
}

// humanSession keeps the "user" class and the "user-early"/"user-incomplete" variants that
// systemd 256 added, and drops greeter, lock-screen, background and manager sessions. A
// session in "closing" state is one the user has left while processes linger.
func humanSession(class, state string) bool {
	if class != "user" && !strings.HasPrefix(class, "user-") {
		return false
	}
	return state == "active" || state == "online"
}

// parseWho takes the user names from who's output, one session a line, name first.
func parseWho(out []byte) []string {
	var users []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		users = appendUnique(users, fields[0])
	}
	return users
}

func appendUnique(list []string, v string) []string {
	for _, have := range list {
		if have == v {
			return list
		}
	}
	return append(list, v)
}

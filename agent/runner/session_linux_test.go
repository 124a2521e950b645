package runner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// cannedCommands answers commands by their joined command line.
func cannedCommands(answers map[string]string) commandOutput {
	return func(_ context.Context, name string, args ...string) ([]byte, error) {
		line := strings.Join(append([]string{name}, args...), " ")
		for prefix, out := range answers {
			if strings.HasPrefix(line, prefix) {
				return []byte(out), nil
			}
		}
		return nil, errors.New("exit status 1")
	}
}

func TestLinuxSessions(t *testing.T) {
	logind := map[string]string{
		"loginctl list-sessions": "2 1000 alice seat0 tty2\nc1 120 gdm seat0 tty1\n",
		"loginctl show-session 2": "Id=2\nName=alice\nClass=user\nType=x11\nSeat=seat0\n" +
			"Active=yes\n",
		"loginctl show-session c1": "Id=c1\nName=gdm\nClass=greeter\nType=x11\nSeat=seat0\n" +
			"Active=no\n",
		"who": "carol    tty1         2030-01-02 08:00\n",
	}
	greeterOnly := map[string]string{
		"loginctl list-sessions":   "c1 120 gdm seat0 tty1\n",
		"loginctl show-session c1": "Id=c1\nName=gdm\nClass=greeter\nActive=yes\n",
		"who":                      "carol    tty1         2030-01-02 08:00\n",
	}
	noBus := map[string]string{"who": "carol    tty1         2030-01-02 08:00\n"}

	tests := []struct {
		name    string
		systemd bool
		answers map[string]string
		want    SignedInUser
		wantErr error
	}{
		{"logind user", true, logind, SignedInUser{Name: "alice", Session: "2"}, nil},
		{"logind says nobody", true, greeterOnly, SignedInUser{}, ErrNoSignedInUser},
		{"logind unreachable falls back to who", true, noBus,
			SignedInUser{Name: "carol", Session: "tty1"}, nil},
		{"no systemd uses who", false, logind, SignedInUser{Name: "carol", Session: "tty1"}, nil},
		{"nobody in utmp", false, map[string]string{"who": ""}, SignedInUser{}, ErrNoSignedInUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := linuxSessions{
				run:     cannedCommands(tt.answers),
				systemd: func() bool { return tt.systemd },
			}
			got, err := f.ConsoleUser(context.Background())
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestLinuxSessionsWhoFails(t *testing.T) {
	f := linuxSessions{run: cannedCommands(nil), systemd: func() bool { return false }}
	_, err := f.ConsoleUser(context.Background())
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrNoSignedInUser)
}

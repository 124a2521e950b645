package runner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseWho(t *testing.T) {
	tests := []struct {
		name string
		out  string
		want SignedInUser
		ok   bool
	}{
		{name: "nobody", out: "", ok: false},
		{
			name: "graphical beats ssh and tty",
			out: "bob      pts/0        2030-01-02 09:00 (10.0.0.7)\n" +
				"carol    tty3         2030-01-02 08:00\n" +
				"alice    :0           2030-01-02 07:00 (:0)\n",
			want: SignedInUser{Name: "alice", Session: ":0"},
			ok:   true,
		},
		{
			name: "seat line",
			out:  "alice    seat0        2030-01-02 07:00 (login screen)\n",
			want: SignedInUser{Name: "alice", Session: "seat0"},
			ok:   true,
		},
		{
			name: "text console",
			out:  "carol    tty1         2030-01-02 08:00\n",
			want: SignedInUser{Name: "carol", Session: "tty1"},
			ok:   true,
		},
		{
			name: "terminal in a desktop",
			out:  "dave     pts/1        2030-01-02 08:00 (:1)\n",
			want: SignedInUser{Name: "dave", Session: "pts/1"},
			ok:   true,
		},
		{
			name: "only remote sessions",
			out: "bob      pts/0        2030-01-02 09:00 (10.0.0.7)\n" +
				"eve      pts/2        2030-01-02 09:05 (vpn.example.net)\n",
			ok: false,
		},
		{
			name: "terminal multiplexer is not the console",
			out:  "bob      pts/3        2030-01-02 09:00 (tmux(1234).%0)\n",
			ok:   false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseWho([]byte(tt.out))
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseLoginctl(t *testing.T) {
	list := "     2 1000 alice seat0 tty2\n    c1  120 gdm   seat0 tty1\n"
	require.Equal(t, []string{"2", "c1"}, parseSessionIDs([]byte(list)))
	require.Empty(t, parseSessionIDs([]byte("\n")))

	show := "Id=2\nName=alice\nClass=user\nType=wayland\nState=active\nSeat=seat0\n" +
		"TTY=tty2\nActive=yes\nRemote=no\n"
	require.Equal(t, loginSession{
		id: "2", name: "alice", class: "user", typ: "wayland", state: "active",
		seat: "seat0", tty: "tty2", active: true,
	}, parseLoginSession([]byte(show)))
}

func TestPickLoginSession(t *testing.T) {
	desktop := loginSession{id: "2", name: "alice", class: "user", typ: "x11", seat: "seat0",
		active: true}
	greeter := loginSession{id: "c1", name: "gdm", class: "greeter", typ: "wayland",
		seat: "seat0", active: true}
	ssh := loginSession{id: "5", name: "bob", class: "user", typ: "tty", remote: true,
		active: true, state: "active"}
	tty := loginSession{id: "3", name: "carol", class: "user", typ: "tty", seat: "seat0",
		state: "active"}
	background := loginSession{id: "4", name: "alice", class: "user", typ: "x11",
		seat: "seat0", state: "online"}
	manager := loginSession{id: "6", name: "alice", class: "manager", active: true}

	tests := []struct {
		name     string
		sessions []loginSession
		want     string
		ok       bool
	}{
		{"none", nil, "", false},
		{"only greeter", []loginSession{greeter}, "", false},
		{"only remote", []loginSession{ssh}, "", false},
		{"only inactive or manager", []loginSession{background, manager}, "", false},
		{"desktop over others", []loginSession{ssh, tty, greeter, desktop}, "2", true},
		{"text console", []loginSession{ssh, tty}, "3", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := pickLoginSession(tt.sessions)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got.id)
		})
	}
}

func TestPickWindowsSession(t *testing.T) {
	services := wtsSession{id: 0, active: false}
	console := wtsSession{id: 1, active: true, user: `CONTOSO\alice`}
	emptyConsole := wtsSession{id: 1, active: false}
	rdp := wtsSession{id: 2, active: true, user: `CONTOSO\bob`}
	rdpOff := wtsSession{id: 3, active: false, user: `CONTOSO\carol`}

	tests := []struct {
		name     string
		console  uint32
		sessions []wtsSession
		want     string
		ok       bool
	}{
		{"console user", 1, []wtsSession{services, rdp, console}, `CONTOSO\alice`, true},
		{"remote desktop user when console is empty", 1,
			[]wtsSession{services, emptyConsole, rdpOff, rdp}, `CONTOSO\bob`, true},
		{"disconnected only", 1, []wtsSession{services, emptyConsole, rdpOff}, "", false},
		{"no console session", 0xFFFFFFFF, []wtsSession{services}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := pickWindowsSession(tt.console, tt.sessions)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got.user)
		})
	}
}

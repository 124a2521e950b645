package sdk

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestConfigGetters(t *testing.T) {
	c := Config{"on": "true", "n": "42", "d": "90s", "bad": "x"}

	b, err := c.Bool("on")
	require.NoError(t, err)
	require.True(t, b)
	n, err := c.Int("n")
	require.NoError(t, err)
	require.Equal(t, 42, n)
	d, err := c.Duration("d")
	require.NoError(t, err)
	require.Equal(t, 90*time.Second, d)
	absent, err := c.Duration("missing")
	require.NoError(t, err)
	require.Zero(t, absent)

	_, err = c.Int("bad")
	require.True(t, IsConfigError(err))
	require.Equal(t, `configuration field bad: not a whole number: "x"`, err.Error())
}

func TestValidateConfig(t *testing.T) {
	fields := []ConfigField{
		{Name: "url", Type: FieldURL, Required: true},
		{Name: "port", Type: FieldInt, Default: "22"},
		{Name: "insecure", Type: FieldBool},
		{Name: "wait", Type: FieldDuration},
	}
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{name: "valid", cfg: Config{"url": "https://x.test", "insecure": "false"}},
		{name: "missing", cfg: Config{}, want: "configuration: url: required but missing"},
		{name: "several problems, in field order", cfg: Config{"url": "https://x.test",
			"port": "ssh", "wait": "soon", "zzz": "1"},
			want: `configuration: port: not a whole number: "ssh"; wait: not a duration ` +
				`such as 30s: "soon"; zzz: not a field of this connector`},
		{name: "bool", cfg: Config{"url": "https://x.test", "insecure": "yes"},
			want: `configuration: insecure: not true or false: "yes"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateConfig(fields, tc.cfg)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.want)
		})
	}
	require.Equal(t, Config{"url": "u", "port": "22"}, Config{"url": "u"}.WithDefaults(fields))
}

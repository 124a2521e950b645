package version

import "testing"

func BenchmarkCompare(b *testing.B) {
	pairs := [][2]string{
		{"124.0.6367.91", "124.0.6367.201"},
		{"1:9.2p1-2+deb12u3", "1:9.2p1-2+deb12u2"},
		{"1.2.0-beta.66", "1.2.0"},
		{"1.8.0_401", "8.0.4010.9"},
	}

	b.Run("strings", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			p := pairs[i%len(pairs)]
			Compare(p[0], p[1])
		}
	})

	b.Run("parsed", func(b *testing.B) {
		parsed := make([][2]Version, len(pairs))
		for i, p := range pairs {
			parsed[i] = [2]Version{MustParse(p[0]), MustParse(p[1])}
		}
		for i := 0; b.Loop(); i++ {
			p := parsed[i%len(parsed)]
			p[0].Compare(p[1])
		}
	})
}

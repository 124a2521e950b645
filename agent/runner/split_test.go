package runner

import (
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/require"
)

// le and be encode s as UTF-16 without a byte order mark.
func le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func be(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// splitAll feeds chunks to a splitter and returns the emitted lines.
func splitAll(oemCP, maxLine int, chunks ...[]byte) []string {
	lines := []string{}
	s := newSplitter(codePage(oemCP), func(text string) { lines = append(lines, text) })
	if maxLine > 0 {
		s.maxLine = maxLine
	}
	for _, c := range chunks {
		s.write(c)
	}
	s.close()
	return lines
}

func TestSplitter(t *testing.T) {
	tests := []struct {
		name    string
		input   []byte
		oem     int
		maxLine int
		want    []string
	}{
		{name: "lf", input: []byte("a\nb\n"), want: []string{"a", "b"}},
		{name: "crlf", input: []byte("a\r\nb\r\n"), want: []string{"a", "b"}},
		{
			name:  "progress with lone cr",
			input: []byte("10%\r20%\r30%\r\ndone\n"),
			want:  []string{"10%", "20%", "30%", "done"},
		},
		{name: "cr run before lf", input: []byte("a\r\r\nb"), want: []string{"a", "b"}},
		{name: "no final line end", input: []byte("a\nb"), want: []string{"a", "b"}},
		{name: "cr at stream end", input: []byte("a\r"), want: []string{"a"}},
		{name: "empty lines kept", input: []byte("a\n\n\nb\n"), want: []string{"a", "", "", "b"}},
		{name: "nothing", input: nil, want: []string{}},
		{name: "utf8 passes", input: []byte("grüße ✓\n"), want: []string{"grüße ✓"}},
		{name: "utf8 bom dropped", input: []byte("\xEF\xBB\xBFabc\n"), want: []string{"abc"}},
		{
			name:  "utf16le with bom",
			input: cat(bomUTF16LE, le("héllo\r\nwörld\r\n")),
			want:  []string{"héllo", "wörld"},
		},
		{name: "utf16le without bom", input: le("abc\r\ndef"), want: []string{"abc", "def"}},
		{name: "utf16be with bom", input: cat(bomUTF16BE, be("größe\n")), want: []string{"größe"}},
		{name: "utf16be without bom", input: be("abc\r\n"), want: []string{"abc"}},
		{
			name:  "utf8 then utf16 then utf8",
			input: cat([]byte("start\n"), le("wide\r\n"), []byte("end\n")),
			want:  []string{"start", "wide", "end"},
		},
		{
			name:  "utf16 without nul bytes stays utf16",
			input: le("x\r\n中文字符\r\n"),
			want:  []string{"x", "中文字符"},
		},
		{
			name:  "utf16 surrogate pair",
			input: le("ok 😀\r\n"),
			want:  []string{"ok 😀"},
		},
		{name: "utf16 odd trailing byte", input: cat(le("ab"), []byte{'c'}),
			want: []string{"ab\uFFFD"}},
		{name: "cp850 bytes", input: []byte("gr\x81\xE1e\r\n"), oem: 850, want: []string{"grüße"}},
		{name: "cp437 box", input: []byte("\xC9\xCD\xBB\n"), oem: 437, want: []string{"╔═╗"}},
		{name: "utf8 not re-decoded", input: []byte("grüße\n"), oem: 850, want: []string{"grüße"}},
		{name: "invalid bytes replaced", input: []byte("a\xFFb\n"), want: []string{"a�b"}},
		{
			name:    "long line cut",
			input:   []byte("0123456789abcdef0\n"),
			maxLine: 8,
			want:    []string{"01234567", "89abcdef", "0"},
		},
		{
			name:    "line of exactly max length",
			input:   []byte("01234567\nx\n"),
			maxLine: 8,
			want:    []string{"01234567", "x"},
		},
		{name: "cut keeps utf8 whole", input: []byte("aaaé\n"), maxLine: 4,
			want: []string{"aaa", "é"}},
		{
			name:    "cut keeps surrogate pair whole",
			input:   le("a😀b\r\n"),
			maxLine: 4,
			want:    []string{"a", "😀", "b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, splitAll(tt.oem, tt.maxLine, tt.input))
		})
		t.Run(tt.name+" byte by byte", func(t *testing.T) {
			var chunks [][]byte
			for i := range tt.input {
				chunks = append(chunks, tt.input[i:i+1])
			}
			require.Equal(t, tt.want, splitAll(tt.oem, tt.maxLine, chunks...))
		})
	}
}

func TestSplitterWaitsForLineEnd(t *testing.T) {
	var lines []string
	s := newSplitter(nil, func(text string) { lines = append(lines, text) })

	s.write([]byte("first\nsec"))
	require.Equal(t, []string{"first"}, lines)

	s.write([]byte("ond\r"))
	require.Equal(t, []string{"first"}, lines, "a CR may still be followed by LF")

	s.write([]byte("\n"))
	require.Equal(t, []string{"first", "second"}, lines)
}

func TestCodePages(t *testing.T) {
	tests := []struct {
		name string
		cp   int
		in   []byte
		want string
	}{
		{"cp437", 437, []byte{0x82, 0xC9, 0xB0}, "é╔░"},
		{"cp850", 850, []byte{0x81, 0xE1, 0x99}, "üßÖ"},
		{"cp852", 852, []byte{0xA5, 0x88}, "ął"},
		{"cp866", 866, []byte{0x8F, 0xE0, 0xA8}, "При"},
		{"windows-1252", 1252, []byte{0x80, 0xE9}, "€é"},
		{"shift-jis", 932, []byte{0x82, 0xA0}, "あ"},
		{"unknown code page replaces", 12345, []byte{0x81}, "\uFFFD"},
		{"utf-8 code page replaces", 65001, []byte{0x81}, "\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, decodeLine(modeBytes, tt.in, codePage(tt.cp)))
		})
	}
}

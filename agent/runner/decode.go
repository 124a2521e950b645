package runner

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// codePages maps Windows code page numbers to their encodings. It holds every OEM code page
// Windows ships as a console default, plus the ANSI ones a console may be switched to.
var codePages = map[int]encoding.Encoding{
	437:   charmap.CodePage437,
	850:   charmap.CodePage850,
	852:   charmap.CodePage852,
	855:   charmap.CodePage855,
	858:   charmap.CodePage858,
	860:   charmap.CodePage860,
	862:   charmap.CodePage862,
	863:   charmap.CodePage863,
	865:   charmap.CodePage865,
	866:   charmap.CodePage866,
	874:   charmap.Windows874,
	932:   japanese.ShiftJIS,
	936:   simplifiedchinese.GBK,
	949:   korean.EUCKR,
	950:   traditionalchinese.Big5,
	1250:  charmap.Windows1250,
	1251:  charmap.Windows1251,
	1252:  charmap.Windows1252,
	1253:  charmap.Windows1253,
	1254:  charmap.Windows1254,
	1255:  charmap.Windows1255,
	1256:  charmap.Windows1256,
	1257:  charmap.Windows1257,
	1258:  charmap.Windows1258,
	20866: charmap.KOI8R,
	21866: charmap.KOI8U,
	28591: charmap.ISO8859_1,
	28592: charmap.ISO8859_2,
	28595: charmap.ISO8859_5,
	28597: charmap.ISO8859_7,
	28599: charmap.ISO8859_9,
	28605: charmap.ISO8859_15,
}

// codePage returns the encoding of a Windows code page number, or nil for 0, for UTF-8
// (65001), and for numbers not in the table: those mean "UTF-8, invalid bytes replaced".
func codePage(cp int) encoding.Encoding {
	return codePages[cp]
}

// lineMode is how the bytes of one line are encoded.
type lineMode int

const (
	modeBytes   lineMode = iota // UTF-8, or the OEM code page when not valid UTF-8
	modeUTF16LE                 // UTF-16 little endian, what Windows tools write
	modeUTF16BE                 // UTF-16 big endian
)

// unitSize is the size of the code units the mode splits lines on.
func (m lineMode) unitSize() int {
	if m == modeBytes {
		return 1
	}
	return 2
}

// decodeLine turns the raw bytes of one line (without its ending) into UTF-8 text.
func decodeLine(mode lineMode, raw []byte, oem encoding.Encoding) string {
	switch mode {
	case modeUTF16LE, modeUTF16BE:
		return decodeUTF16(raw, mode == modeUTF16BE)
	}

	if utf8.Valid(raw) {
		return string(raw)
	}
	if oem != nil {
		// Single-byte code pages map every byte; the multi-byte ones replace what does not
		// decode instead of failing, so the error is not reachable in practice.
		if s, err := oem.NewDecoder().Bytes(raw); err == nil {
			return string(s)
		}
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

// decodeUTF16 decodes UTF-16 code units; an odd trailing byte and unpaired surrogates
// become U+FFFD.
func decodeUTF16(raw []byte, bigEndian bool) string {
	units := make([]uint16, 0, len(raw)/2)
	for i := 0; i+1 < len(raw); i += 2 {
		if bigEndian {
			units = append(units, uint16(raw[i])<<8|uint16(raw[i+1]))
		} else {
			units = append(units, uint16(raw[i+1])<<8|uint16(raw[i]))
		}
	}

	s := string(utf16.Decode(units))
	if len(raw)%2 == 1 {
		s += "\uFFFD"
	}
	return s
}

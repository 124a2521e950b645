package runner

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
)

// maxLineBytes bounds the raw bytes held for one line; longer lines are delivered in chunks.
const maxLineBytes = 64 << 10

// sniffBytes is how much of a line's start the encoding guess looks at.
const sniffBytes = 32

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// splitter cuts one output stream into decoded lines as bytes arrive. It guesses the
// encoding again at the start of each line because a script's output mixes what several
// programs print, and some of them write UTF-16 when their output is not a console.
type splitter struct {
	oem       encoding.Encoding
	emit      func(text string)
	maxLine   int
	mode      lineMode
	lineStart bool
	buf       []byte
}

func newSplitter(oem encoding.Encoding, emit func(text string)) *splitter {
	return &splitter{oem: oem, emit: emit, maxLine: maxLineBytes, lineStart: true}
}

// write takes the next bytes of the stream and emits every line they complete.
func (s *splitter) write(p []byte) {
	s.buf = append(s.buf, p...)
	s.drain(false)
}

// close emits what is left as a last line, when the stream has ended.
func (s *splitter) close() {
	s.drain(true)
	s.buf = nil
}

type scanStatus int

const (
	lineIncomplete scanStatus = iota
	lineComplete
	lineTooLong
)

func (s *splitter) drain(final bool) {
	for len(s.buf) > 0 {
		if s.lineStart {
			if !s.sniff(final) {
				return
			}
			s.lineStart = false
			continue
		}

		end, next, status := s.scanLine(final)
		switch status {
		case lineComplete:
			s.emitRaw(s.buf[:end])
			s.buf = s.buf[next:]
			s.lineStart = true
		case lineTooLong:
			cut := s.cutPoint()
			s.emitRaw(s.buf[:cut])
			s.buf = s.buf[cut:]
		default:
			if final {
				s.emitRaw(s.buf)
				s.buf = s.buf[:0]
			}
			return
		}
	}
	s.compact()
}

// compact moves the pending bytes to the front so the buffer does not keep growing.
func (s *splitter) compact() {
	if cap(s.buf) > 4*maxLineBytes && len(s.buf) < cap(s.buf)/4 {
		s.buf = append([]byte(nil), s.buf...)
	}
}

func (s *splitter) emitRaw(raw []byte) {
	s.emit(decodeLine(s.mode, raw, s.oem))
}

// sniff decides the encoding of the line starting at buf[0], consuming a byte order mark.
// It reports false when it needs more bytes to decide.
func (s *splitter) sniff(final bool) bool {
	b := s.buf
	for _, bom := range []struct {
		mark []byte
		mode lineMode
	}{{bomUTF8, modeBytes}, {bomUTF16LE, modeUTF16LE}, {bomUTF16BE, modeUTF16BE}} {
		if bytes.HasPrefix(b, bom.mark) {
			s.mode = bom.mode
			s.buf = b[len(bom.mark):]
			return true
		}
		if !final && len(b) < len(bom.mark) && bytes.HasPrefix(bom.mark, b) {
			return false
		}
	}

	// The sample ends just after the first LF byte (and the NUL that follows it in UTF-16
	// little endian) so that a following line in another encoding does not sway the guess.
	sample := b[:min(len(b), sniffBytes)]
	if lf := bytes.IndexByte(sample, '\n'); lf >= 0 {
		sample = sample[:min(len(sample), lf+2)]
	}
	if s.mode == modeBytes {
		if len(sample) < 2 {
			return final
		}
		s.mode = guessUTF16(sample)
		return true
	}

	// In UTF-16 mode any NUL byte, or any byte outside printable ASCII, is taken as more
	// UTF-16. Only a plain ASCII start switches back, once it is long enough or ends in a
	// line break, because two ASCII bytes are also a valid UTF-16 character.
	if bytes.IndexByte(sample, 0) >= 0 {
		return true
	}
	run := asciiRun(sample)
	switch {
	case run < len(sample) && run >= 2 && (sample[run] == '\n' || sample[run] == '\r'):
		s.mode = modeBytes
	case run < len(sample):
		// Not plain ASCII: keep UTF-16.
	case run >= 8 || final:
		s.mode = modeBytes
	default:
		return false
	}
	return true
}

// asciiRun counts the printable ASCII bytes and tabs at the start of b.
func asciiRun(b []byte) int {
	for i, c := range b {
		if (c < 0x20 || c > 0x7E) && c != '\t' {
			return i
		}
	}
	return len(b)
}

// guessUTF16 reads the NUL byte pattern of a line start: text in UTF-16 little endian has
// a zero high byte for every ASCII character, so most pairs are (x, 0); big endian the
// reverse. Pairs of the opposite shape come from surrogates and some letters, so the more
// frequent shape wins as long as it covers half of the pairs.
func guessUTF16(sample []byte) lineMode {
	pairs := len(sample) / 2
	var le, be int
	for i := 0; i+1 < len(sample); i += 2 {
		lo, hi := sample[i], sample[i+1]
		switch {
		case lo != 0 && hi == 0:
			le++
		case lo == 0 && hi != 0:
			be++
		}
	}
	switch {
	case le > be && 2*le >= pairs:
		return modeUTF16LE
	case be > le && 2*be >= pairs:
		return modeUTF16BE
	}
	return modeBytes
}

// unitAt returns the code unit at byte offset i in the current mode.
func (s *splitter) unitAt(i int) uint16 {
	switch s.mode {
	case modeUTF16LE:
		return uint16(s.buf[i]) | uint16(s.buf[i+1])<<8
	case modeUTF16BE:
		return uint16(s.buf[i])<<8 | uint16(s.buf[i+1])
	}
	return uint16(s.buf[i])
}

// scanLine finds the end of the line at buf[0]: the text is buf[:end] and the next line
// starts at buf[next]. A run of CRs, optionally followed by LF, is one line end; a run
// reaching the end of the buffer waits for the next byte unless the stream has ended.
func (s *splitter) scanLine(final bool) (end, next int, status scanStatus) {
	unit := s.mode.unitSize()
	n := len(s.buf) - len(s.buf)%unit
	for i := 0; i+unit <= n; i += unit {
		switch s.unitAt(i) {
		case '\n':
			return i, i + unit, lineComplete
		case '\r':
			j := i + unit
			for j+unit <= n && s.unitAt(j) == '\r' {
				j += unit
			}
			if j+unit <= n {
				if s.unitAt(j) == '\n' {
					j += unit
				}
				return i, j, lineComplete
			}
			if final {
				return i, n, lineComplete
			}
			return 0, 0, lineIncomplete
		}
		if i >= s.maxLine {
			return 0, 0, lineTooLong
		}
	}
	return 0, 0, lineIncomplete
}

// cutPoint is where an over-long line is cut: at maxLine, moved back so that no UTF-8
// sequence or UTF-16 surrogate pair is split.
func (s *splitter) cutPoint() int {
	cut := s.maxLine
	if s.mode == modeBytes {
		for back := 0; back < utf8.UTFMax-1 && !utf8.RuneStart(s.buf[cut]); back++ {
			cut--
		}
		if !utf8.RuneStart(s.buf[cut]) {
			return s.maxLine
		}
		return cut
	}
	if utf16.IsSurrogate(rune(s.unitAt(cut-2))) && s.unitAt(cut-2) < 0xDC00 {
		cut -= 2
	}
	return cut
}

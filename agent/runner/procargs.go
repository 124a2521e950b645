package runner

import (
	"bytes"
	"encoding/binary"
)

// procArgsEnv reads the environment from a macOS KERN_PROCARGS2 buffer: a 32-bit argument
// count, the executable path, NUL padding, the arguments and then the environment, each
// NUL-terminated. It lives outside the darwin file so that it is tested everywhere.
func procArgsEnv(buf []byte) []string {
	if len(buf) < 4 {
		return nil
	}
	argc := int(binary.LittleEndian.Uint32(buf))
	rest := buf[4:]

	// The executable path, then the padding up to the first argument.
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return nil
	}
	rest = rest[i:]
	rest = bytes.TrimLeft(rest, "\x00")

	var env []string
	for n := 0; len(rest) > 0; n++ {
		end := bytes.IndexByte(rest, 0)
		if end < 0 {
			end = len(rest)
		}
		s := rest[:end]
		rest = rest[min(end+1, len(rest)):]
		if n < argc {
			continue
		}
		if len(s) == 0 {
			break
		}
		env = append(env, string(s))
	}
	return env
}

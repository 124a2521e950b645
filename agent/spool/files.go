package spool

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"time"

	"github.com/stewardhq/steward/agent/state"
	"github.com/stewardhq/steward/sdk"
)

const (
	recordFile = "run.json"
	outputFile = "output.jsonl"
	resultFile = "result.json"
)

// runRecord is written before a script starts.
type runRecord struct {
	ID         string    `json:"id"`
	ReceivedAt time.Time `json:"receivedAt"`
	Language   string    `json:"language,omitempty"`
	Context    string    `json:"context,omitempty"`
}

// doneRecord remembers an acknowledged run.
type doneRecord struct {
	ID      string    `json:"id"`
	AckedAt time.Time `json:"ackedAt"`
}

// plainName matches run ids usable as file names everywhere. Lower case only, because
// Windows and macOS file names ignore case; at least eight characters, which rules out the
// reserved Windows names (CON, NUL, COM1, …); no dots, which rules out "." and "..".
var plainName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{7,127}$`)

// fileName maps a run id to a file name. Ids from the hub are UUIDs and pass unchanged;
// anything else becomes a hash, prefixed with "_" so it cannot equal a plain name.
func fileName(id string) string {
	if plainName.MatchString(id) {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return "_" + hex.EncodeToString(sum[:16])
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return state.WriteFile(path, append(b, '\n'), 0o600)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	return nil
}

// readLines reads an output file. A last line without its newline was torn by a crash and
// is left out, as is any line that does not decode; the first copy of a sequence number
// wins.
func readLines(path string) ([]sdk.OutputLine, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read output: %w", err)
	}
	defer f.Close()

	var lines []sdk.OutputLine
	seen := map[int64]bool{}
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		b, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read output %s: %w", path, err)
		}
		var l sdk.OutputLine
		if json.Unmarshal(bytes.TrimSpace(b), &l) != nil || seen[l.Seq] {
			continue
		}
		seen[l.Seq] = true
		lines = append(lines, l)
	}
	slices.SortStableFunc(lines, func(a, b sdk.OutputLine) int {
		return cmp.Compare(a.Seq, b.Seq)
	})
	return lines, nil
}

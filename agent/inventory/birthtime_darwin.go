package inventory

import (
	"time"

	"golang.org/x/sys/unix"
)

// birthTime returns a file's creation time, which APFS and HFS+ always record.
func birthTime(path string) (time.Time, bool) {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return time.Time{}, false
	}
	return time.Unix(st.Btim.Unix()), true
}

package inventory

import (
	"time"

	"golang.org/x/sys/unix"
)

// birthTime asks statx for a file's creation time, which only some file systems record
// (ext4, btrfs, xfs with v5 inodes); ok is false when the answer lacks it.
func birthTime(path string) (time.Time, bool) {
	var st unix.Statx_t
	err := unix.Statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW, unix.STATX_BTIME, &st)
	if err != nil || st.Mask&unix.STATX_BTIME == 0 {
		return time.Time{}, false
	}
	return time.Unix(st.Btime.Sec, int64(st.Btime.Nsec)), true
}

// Package version parses and orders the version strings that software reports about itself, so
// the hub can tell whether a computer runs the desired version of a program.
//
// Inventories mix several conventions: dotted Windows builds (10.0.19045.3693), SemVer
// (1.2.0-beta.66), Debian package versions (1:9.2p1-2+deb12u3) and vendor habits (1.8.0_401,
// 5.1 build 2600). [Compare] puts every string on one total order, so a list sorted with it is
// stable and two hubs agree on which version is newer. The rules, in the order they apply:
//
// # Validity
//
// Surrounding space is trimmed and one "v" or "V" in front of a digit is dropped. A valid
// version then starts with a digit, optionally after a Debian epoch ("1:"), and holds only ASCII
// letters, digits, ".", "-", "_", "+", "~" and spaces. A word that touches a space must be one
// of the few words versions use (build, update, beta, rc, sp, esr, ...): that keeps product
// names such as "7-Zip 23.01" out while "23.01", "5.1 build 2600" and "23.01 beta" parse.
// Strings starting with a letter ("R2024a", "Version 2402") are invalid.
//
// # Debian or not
//
// A string is a Debian version when it has an epoch, or when the text after its last "-" starts
// with a digit and both that text and the text before it hold only letters, digits, ".", "+"
// and "~" (with an epoch the text before may hold anything valid). Then the part after the last
// "-" is the revision and "+" is an ordinary part of the version (2.36-9+deb12u4 <
// 2.36-9+deb12u5). Otherwise "+" starts build metadata, which is dropped (1.0.0+build.5 =
// 1.0.0). So 2.3-1, 5.2.15-2+b2 and 1.0+dfsg-1 are Debian versions, while 1.2.0-beta.66 and
// 2024-03-15 are not. Consequences of the rule: a SemVer pre-release made of numbers only
// (1.0.0-1) reads as Debian revision 1 and sorts above 1.0.0, as dpkg sorts it, and a native
// Debian version without revision loses its "+" suffix (2023.3+deb12u1 = 2023.3).
//
// # Order
//
// Versions compare by epoch (missing = 0), then the upstream version, then the Debian revision
// (missing = 0, so 2.3 = 2.3-0 < 2.3-1). Upstream version and revision are each made of:
//
//   - A release: the leading numbers joined by ".", "_", "-" or a space, compared as numbers.
//     Leading zeros are ignored and missing trailing numbers count as 0, so 17.2 = 17.2.0.0,
//     4.6.00081 = 4.6.81 and 1.8.0_401 = 1.8.0.401. The words build, update, version, ver, rev
//     and revision between two numbers are skipped: 5.1 build 2600 = 5.1.2600.
//   - A tail of segments after the release. "~" opens a segment that sorts below everything,
//     the end included (1.0~rc1 < 1.0, as dpkg does). "-" before a letter, a space before a
//     pre-release word (alpha, beta, rc, pre, preview, dev, ...), or such a word attached to the
//     release (3.13.0rc1, and "a"/"b" followed by a digit: 128.0b3) open a pre-release segment,
//     which sorts below the end (1.2.0-beta.66 < 1.2.0). "+" in a Debian version, other attached
//     letters and other words after a space open a post-release segment, above the end
//     (9.2p1 > 9.2, 1.0+dfsg-1 > 1.0-1, 5.2.15-2+b2 > 5.2.15-2). Tails compare segment by
//     segment, first by kind (tilde < pre-release < end < post-release), then by identifiers.
//
// Inside a segment, identifiers are runs of digits, compared as numbers, and runs of letters,
// compared as case-insensitive strings (alpha < beta < rc); a number sorts below a word and a
// segment that is a prefix of another sorts first (SemVer 2.0 §11: 1.0.0-alpha <
// 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0). Two departures from
// SemVer keep vendor strings sensible: letters and digits are split even without a dot
// (rc10 = rc.10 > rc.9, where SemVer orders "rc10" below "rc9"), and case is ignored.
//
// Release numbers rank above tails: 9.2p1 < 9.2.1, and 1.0+dfsg-1 > 1.0.0-1 because
// 1.0.0 = 1.0 (dpkg puts 1.0+dfsg between 1.0 and 1.0.0; trailing-zero equality wins here).
//
// # Vendor strings
//
// Windows builds (10.0.19045.3693), browser versions (124.0.6367.91), Office builds and dates
// (2024.03.15 = 2024-03-15) are plain releases. Java reports two schemes for one product,
// 8.0.4010.9 from its installer and 1.8.0_401 from the runtime (= 1.8.0.401); each orders
// correctly within itself, but across them only the numbers count (8.0.4010.9 > 1.8.0_401), so
// compare like with like. "8 Update 401" = 8.401, "5.1 SP3" sorts just above 5.1 and below
// 5.1.1, and "115.12.0esr" just above 115.12.0.
//
// # Invalid strings
//
// [Parse] reports them with an error wrapping [ErrInvalid]. [Compare] still orders them: every
// invalid string sorts below every valid version, and invalid strings compare by plain byte
// order of the text as given. For MATLAB-style release names that order happens to be the
// right one (R2023b < R2024a). Different texts may compare equal (1.0 and 1.0.0.0); [Equal]
// reports exactly that, and [Version.String] keeps the original text.
package version

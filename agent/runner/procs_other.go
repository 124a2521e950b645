//go:build unix && !linux && !darwin

package runner

// TODO(bsd-tree): other Unix systems only end the script's process group; children that
// left it are not found because their process tables are not read here.

func listProcs() []procInfo {
	return nil
}

func hasEnv(int, string) bool {
	return false
}

func waitNoReap(int) bool {
	return false
}

package bench

import "testing"

// The commit the Makefile stamps in is reported when the build has no VCS stamp of its
// own (test binaries have none).
func TestVersionStampedCommit(t *testing.T) {
	if v := Version(); v.Commit != "unknown" {
		t.Skipf("this build has a VCS stamp (%s)", v.Commit)
	}
	commit, modified = "0123abc", "true"
	defer func() { commit, modified = "", "" }()
	if v := Version(); v.Commit != "0123abc" || !v.Modified {
		t.Errorf("Version() = %+v, want the stamped commit 0123abc, modified", v)
	}
}

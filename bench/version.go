package bench

import (
	"runtime"
	"runtime/debug"
)

// VersionInfo identifies the ltsbench build that produced a result.
type VersionInfo struct {
	Version   string `json:"version"`            // module version, "(devel)" for a local build
	Commit    string `json:"commit"`             // VCS revision, "unknown" if not recorded
	Modified  bool   `json:"modified,omitempty"` // built from a tree with uncommitted changes
	GoVersion string `json:"go_version"`
}

// commit and modified are set by the Makefile's -ldflags "-X …" for builds without a
// VCS stamp (go build with -buildvcs=false, a copied tree, a build tool that drops it):
// commit is the revision, modified "true" for a tree with uncommitted changes.
var commit, modified string

// Version reads the module version and VCS revision from the build information, or
// from the values the Makefile stamped in when the build has none.
func Version() VersionInfo {
	v := VersionInfo{Version: "(devel)", Commit: "unknown", GoVersion: runtime.Version()}
	if commit != "" {
		v.Commit, v.Modified = commit, modified == "true"
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

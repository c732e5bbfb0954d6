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

// Version reads the module version and VCS revision from the build information.
func Version() VersionInfo {
	v := VersionInfo{Version: "(devel)", Commit: "unknown", GoVersion: runtime.Version()}
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

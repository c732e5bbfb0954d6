package backend

import (
	"errors"
	"strings"
	"testing"
)

var errOpened = errors.New("opened")

// Two kinds as the backends register theirs: a host one without settings, a numbered
// accelerator with an alias and one setting.
func init() {
	Register(Kind{Name: "host", Open: func(d Device, o Options) (Backend, error) { return nil, errOpened }})
	Register(Kind{Name: "acc", Aliases: []string{"fast"}, Indexed: true, Accelerator: true,
		Settings: map[string]string{"exact": "exact math"},
		Open: func(d Device, o Options) (Backend, error) {
			if _, err := o.BoolSetting("exact"); err != nil {
				return nil, err
			}
			return nil, errOpened
		}})
}

func TestParseDevice(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want: the device's String, or the error's text
		ok       bool
	}{
		{"host", "host", true},
		{"acc", "acc:0", true},
		{"acc:3", "acc:3", true},
		{"fast", "acc:0", true},
		{"host:1", `device "host:1": host devices are not numbered (write host)`, false},
		{"acc:-1", `device "acc:-1": want acc:N with N a device index ≥ 0`, false},
		{"acc:x", `device "acc:x": want acc:N with N a device index ≥ 0`, false},
		{"rocm:0", `device "rocm:0": the kind "rocm" is not one of acc, host`, false},
		{"", `device "": the kind "" is not one of acc, host`, false},
	} {
		d, err := ParseDevice(tc.in)
		switch {
		case tc.ok && (err != nil || d.String() != tc.want):
			t.Errorf("ParseDevice(%q) = %v, %v; want %s", tc.in, d, err, tc.want)
		case !tc.ok && (err == nil || err.Error() != tc.want):
			t.Errorf("ParseDevice(%q) error %v, want %q", tc.in, err, tc.want)
		}
		if tc.ok {
			if again, err := ParseDevice(d.String()); err != nil || again != d {
				t.Errorf("ParseDevice(%q) = %v, %v: String does not read back", d.String(), again, err)
			}
		}
	}
}

func TestOpenChecksSettings(t *testing.T) {
	for _, tc := range []struct {
		d    Device
		set  map[string]string
		want string
	}{
		{Device{Kind: "acc", Index: 1}, map[string]string{"exact": "true"}, "opened"},
		{Device{Kind: "acc", Index: 1}, map[string]string{"exact": "maybe"}, `setting exact="maybe": want true or false`},
		{Device{Kind: "acc"}, map[string]string{"tf32": "true"}, `device acc:0: the acc backend has no setting "tf32" (it has exact)`},
		{Device{Kind: "host"}, map[string]string{"exact": "true"}, `device host: the host backend has no setting "exact" (it has none)`},
		{Device{Kind: "metal"}, nil, "device metal: this ltsbench was built without the metal backend (it has acc, host)"},
	} {
		if _, err := Open(tc.d, Options{Settings: tc.set}); err == nil || err.Error() != tc.want {
			t.Errorf("Open(%v, %v) error %v, want %q", tc.d, tc.set, err, tc.want)
		}
	}
}

func TestRegisterRefusesMistakes(t *testing.T) {
	open := func(Device, Options) (Backend, error) { return nil, nil }
	for _, k := range []Kind{{Name: "host", Open: open}, {Name: "", Open: open}, {Name: "a:b", Open: open}, {Name: "noopen"}} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(r.(string), "backend.Register") {
					t.Errorf("Register(%q) did not panic (%v)", k.Name, r)
				}
			}()
			Register(k)
		}()
	}
	if _, ok := KindOf("noopen"); ok {
		t.Error("a refused kind was registered")
	}
}

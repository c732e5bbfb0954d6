package fleet

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// Result keys stay within the characters NATS KV allows, whatever the arch key
// holds, and distinct arch keys give distinct keys.
func TestResultKeyIsAValidKVKey(t *testing.T) {
	kvKey := regexp.MustCompile(`^[-/_=.a-zA-Z0-9]+$`)
	a := resultKey("run-1", "cuda_h200", "transformer_xl:L16:d512:h8,8:i2048,2048:V267735:T192:M192:e512:k4:c20000,40000,200000:p1,1,1")
	b := resultKey("run-1", "cuda_h200", "gpt2:L2:d256:h8,8:i1024,1024:V50257:T192")
	if !kvKey.MatchString(a) || !kvKey.MatchString(b) || a == b {
		t.Fatalf("keys %q and %q", a, b)
	}
	if !strings.HasPrefix(a, "run-1.cuda_h200.") {
		t.Errorf("key %q does not start with run.class.", a)
	}
}

// The message id covers run, arch key, class and protocol (compacted, so that
// layout does not matter).
func TestMsgIDCoversTheJob(t *testing.T) {
	j := Job{Run: "r", ArchKey: "k", Class: "cpu", Protocol: json.RawMessage(`{"batch":1}`)}
	spaced := j
	spaced.Protocol = json.RawMessage(`{ "batch": 1 }`)
	if msgID(spaced) != msgID(j) {
		t.Error("whitespace in the protocol changes the message id")
	}
	for _, o := range []Job{
		{Run: "s", ArchKey: "k", Class: "cpu", Protocol: j.Protocol},
		{Run: "r", ArchKey: "k2", Class: "cpu", Protocol: j.Protocol},
		{Run: "r", ArchKey: "k", Class: "gpu", Protocol: j.Protocol},
		{Run: "r", ArchKey: "k", Class: "cpu", Protocol: json.RawMessage(`{"batch":2}`)},
	} {
		if msgID(o) == msgID(j) {
			t.Errorf("%+v has the message id of %+v", o, j)
		}
	}
}

// Bad jobs and names get a one-line error naming the field.
func TestBadInput(t *testing.T) {
	good := testJob(1, "cpu")
	good.Run = "r1"
	if err := good.check(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		edit func(*Job)
		want string
	}{
		{func(j *Job) { j.Run = "a.b" }, "run"},
		{func(j *Job) { j.Class = "cuda:0" }, "device class"},
		{func(j *Job) { j.Class = "" }, "device class"},
		{func(j *Job) { j.ArchKey = "" }, "empty arch key"},
		{func(j *Job) { j.Arch = json.RawMessage(`{`) }, "architecture is not JSON"},
		{func(j *Job) { j.Protocol = nil }, "protocol is not JSON"},
	} {
		j := good
		c.edit(&j)
		err := j.check()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v, want a one-line error about %s", j, err, c.want)
		}
	}
	if got := sanitizeToken("host.example.com-42"); got != "host_example_com-42" {
		t.Errorf("sanitizeToken = %q", got)
	}
}

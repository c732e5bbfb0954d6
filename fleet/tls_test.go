package fleet

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSignedCert writes a certificate for 127.0.0.1 and its key (PEM) into dir.
func selfSignedCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ltsbench test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// With a certificate, the listener speaks TLS only: a worker that trusts the
// certificate joins and measures; one that does not is refused. The coordinator's
// in-process connection needs no TLS.
func TestRemoteWorkerOverTLS(t *testing.T) {
	certFile, keyFile := selfSignedCert(t, t.TempDir())
	s := startServer(t, ServerConfig{Listen: "127.0.0.1:0", User: "fleet", Password: "s3cret", TLSCert: certFile, TLSKey: keyFile})
	url := s.ClientURL()
	if nc, err := Dial(url, Credentials{User: "fleet", Password: "s3cret"}, noRetry()...); err == nil {
		nc.Close()
		t.Fatal("a worker that does not trust the certificate connected")
	} else if !strings.Contains(err.Error(), "certificate") {
		t.Errorf("refusal %q does not name the certificate", err)
	}
	nc, err := Dial(url, Credentials{User: "fleet", Password: "s3cret", CAFile: certFile})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	if !nc.TLSRequired() {
		t.Error("the connection is not TLS")
	}
	c := newCoordinator(t, connect(t, s), CoordinatorConfig{Run: "r1", AckWait: 5 * time.Second})
	runWorker(t, nc, &Worker{Class: "cpu", ID: "tls", Fingerprint: testFingerprint("A"), Measure: newCounter().measure("tls", 0)})
	out, err := c.RunGeneration(context.Background(), []Job{testJob(2, "cpu")}, soon(20*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	checkDone(t, out[0])
}

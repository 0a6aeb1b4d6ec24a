package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/keys"
	"github.com/gatehouse-id/gatehouse/password"
)

// BenchmarkClientCredentials measures the machine token's round trip on the
// embedded default (SQLite, memory), over real HTTP on loopback: client
// authentication (one keyed hash), the machine's principal (the client and
// its tenant's roles, groups and catalogs, from the directory's cache), one
// signature per algorithm. Run it with
//
//	go test -run '^$' -bench ClientCredentials ./cmd/gatehouse
func BenchmarkClientCredentials(b *testing.B) {
	for _, alg := range keys.Algorithms {
		b.Run(string(alg), func(b *testing.B) { benchmarkClientCredentials(b, string(alg)) })
	}
}

func benchmarkClientCredentials(b *testing.B, alg string) {
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	cfg := testConfig(b, issuer, "", "", "")
	cfg.SigningAlg = alg
	a, err := build(b.Context(), cfg, slog.New(slog.DiscardHandler), options{now: time.Now, passwordParams: password.Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		b.Fatal(err)
	}
	applyFile(b, a, "testdata/directory.yaml", mustRead(b, "testdata/directory.yaml"), issuer)
	srv.Config.Handler = a.handler
	srv.Start()
	b.Cleanup(func() { srv.Close(); a.Close() })
	form := url.Values{"grant_type": {"client_credentials"}}.Encode()
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, issuer+"/oauth/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("machine", machineSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body) // so the connection is kept alive
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("token endpoint answered %d", resp.StatusCode)
		}
	}
}

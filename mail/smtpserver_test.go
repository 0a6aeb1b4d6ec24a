package mail

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSMTP is a tiny SMTP server that speaks enough of RFC 5321 (EHLO,
// STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) for net/smtp, and reports
// what each connection did on sessions once the client hangs up.
type fakeSMTP struct {
	cert     tls.Certificate
	implicit bool   // TLS from the first byte
	startTLS bool   // offer STARTTLS
	user     string // offer AUTH PLAIN (over TLS only) and accept user/pass
	pass     string
	// replies replaces the answer to a verb ("RCPT") with a whole reply
	// line ("550 5.1.1 no such user"); "greeting" is the first line, "."
	// the answer to the end of the data.
	replies map[string]string
	// silent accepts connections, says "accepted" and never answers.
	silent   bool
	accepted chan struct{}

	ln       net.Listener
	conns    atomic.Int32
	sessions chan session
}

// session is what one connection did.
type session struct {
	verbs    []string // commands in order, upper case
	tls      bool
	authUser string
	from     string
	rcpt     []string
	data     []byte // as sent, CRLF line ends, dot-unstuffed
	err      error
}

// start listens on 127.0.0.1 and serves until the test ends.
func (f *fakeSMTP) start(t *testing.T) (host string, port int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.ln = ln
	f.sessions = make(chan session, 10)
	f.accepted = make(chan struct{}, 10)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.conns.Add(1)
			go f.serve(c)
		}
	}()
	a := ln.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// session waits for the next connection to end.
func (f *fakeSMTP) session(t *testing.T) session {
	t.Helper()
	select {
	case s := <-f.sessions:
		return s
	case <-t.Context().Done():
		t.Fatal("no session")
		return session{}
	}
}

func (f *fakeSMTP) serve(conn net.Conn) {
	var s session
	defer func() {
		conn.Close()
		f.sessions <- s
	}()
	if f.implicit {
		tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{f.cert}})
		if s.err = tc.Handshake(); s.err != nil {
			return
		}
		conn, s.tls = tc, true
	}
	if f.silent {
		f.accepted <- struct{}{}
		io.Copy(io.Discard, conn) // until the client hangs up
		return
	}
	r := bufio.NewReader(conn)
	say := func(lines ...string) {
		for _, l := range lines {
			io.WriteString(conn, l+"\r\n")
		}
	}
	say(f.reply("greeting", "220 fake.example ESMTP"))
	if strings.HasPrefix(f.reply("greeting", "220"), "5") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.err = err
			}
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.verbs = append(s.verbs, verb)
		if rep, ok := f.replies[verb]; ok {
			say(rep)
			continue
		}
		switch verb {
		case "EHLO":
			lines := []string{"250-fake.example"}
			if f.startTLS && !s.tls {
				lines = append(lines, "250-STARTTLS")
			}
			if f.user != "" && s.tls {
				lines = append(lines, "250-AUTH PLAIN")
			}
			say(append(lines, "250 8BITMIME")...)
		case "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{f.cert}})
			if s.err = tc.Handshake(); s.err != nil {
				return
			}
			conn, r, s.tls = tc, bufio.NewReader(tc), true
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			b, _ := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if mech == "PLAIN" && len(parts) == 3 && parts[1] == f.user && parts[2] == f.pass {
				s.authUser = parts[1]
				say("235 2.7.0 authenticated")
			} else {
				say("535 5.7.8 bad credentials")
			}
		case "MAIL":
			s.from = angle(arg)
			say("250 2.1.0 ok")
		case "RCPT":
			s.rcpt = append(s.rcpt, angle(arg))
			say("250 2.1.5 ok")
		case "DATA":
			say("354 go ahead")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					s.err = err
					return
				}
				if l == ".\r\n" {
					break
				}
				s.data = append(s.data, strings.TrimPrefix(l, ".")...)
			}
			say(f.reply(".", "250 2.0.0 queued"))
		case "QUIT":
			say("221 2.0.0 bye")
			return
		case "RSET", "NOOP":
			say("250 ok")
		default:
			say("502 5.5.1 not implemented")
		}
	}
}

func (f *fakeSMTP) reply(key, def string) string {
	if r, ok := f.replies[key]; ok {
		return r
	}
	return def
}

// angle is the address in "FROM:<a@b> BODY=8BITMIME".
func angle(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

// newCert returns a self-signed certificate for names (host names or IP
// addresses) and a pool that trusts it.
func newCert(t *testing.T, names ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: names[0]},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

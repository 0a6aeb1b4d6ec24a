package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"
)

// accessClaims are the access token's claims: the registered ones every
// RFC 9068 token has, and a tenant and roles of the kind Gatehouse adds,
// so that marshalling and signing work on a payload of realistic size
// (about 300 bytes, as in the floors of the project's performance notes).
type accessClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience []string `json:"aud"`
	Expiry   int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	ID       string   `json:"jti"`
	ClientID string   `json:"client_id"`
	Scope    string   `json:"scope"`
	Tenant   tenant   `json:"tenant"`
	Roles    []string `json:"roles"`
}

type tenant struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
}

// tokenLifetime is the floor's expires_in, Gatehouse's default for
// machine tokens.
const tokenLifetime = 300 * time.Second

// newClaims are one token's claims, with a fresh jti of 16 random bytes.
func newClaims(issuer, clientID, scope string, now time.Time) accessClaims {
	var jti [16]byte
	_, _ = rand.Read(jti[:]) // crypto/rand.Read never fails (Go 1.24+)
	return accessClaims{
		Issuer: issuer, Subject: clientID, Audience: []string{clientID},
		Expiry: now.Add(tokenLifetime).Unix(), IssuedAt: now.Unix(),
		ID: base64.RawURLEncoding.EncodeToString(jti[:]), ClientID: clientID, Scope: scope,
		Tenant: tenant{ID: "01a2064b-6a52-7e85-b089-d973a812034f", Slug: "contoso"},
		Roles:  []string{"fleet-importer", "things-creator:read-only"},
	}
}

// payload is the JSON the crypto measurements sign: one token's claims.
func payload() []byte {
	b, _ := json.Marshal(newClaims("http://127.0.0.1:7000", "demo-machine", "devices.read devices.write", time.Now()))
	return b
}

package provider

import "time"

// signedIn is a completed login as its tokens tell it: who signed in, in
// which tenant and SSO session, when and how (auth_time, amr, acr), and for
// a support session who acts as that person and why (the session ends, and
// no token of it outlives, SupportLifetime after AuthTime:
// Server.supportUntil). An authorization request holds one once its login
// is done, a device grant once the person approved it, and issueToPerson
// mints from it. The JSON names are those of the stored requests.
type signedIn struct {
	UserID         string    `json:"user_id,omitempty"`
	TenantID       string    `json:"tenant_id,omitempty"`
	SessionID      string    `json:"session_id,omitempty"`
	AuthTime       time.Time `json:"auth_time,omitzero"`
	AMR            []string  `json:"amr,omitempty"`
	ACR            string    `json:"acr,omitempty"`
	SupportActorID string    `json:"sup_actor,omitempty"`
	SupportReason  string    `json:"sup_reason,omitempty"`
}

package templates

import (
	"context"
	"time"
)

// SupportBanner is the line every page shows while a support user acts
// as someone in this browser: "Acting as john — support: jill (acme-iot)".
type SupportBanner struct {
	Username      string // the person supported
	ActorUsername string // the support user
	ActorTenant   string // the support user's home tenant (slug)
	// Until is when the support session ends, written for people
	// ("15:04 UTC").
	Until string
}

// NewSupportBanner returns the banner for a support session that ends at
// until.
func NewSupportBanner(username, actorUsername, actorTenant string, until time.Time) *SupportBanner {
	return &SupportBanner{Username: username, ActorUsername: actorUsername, ActorTenant: actorTenant,
		Until: until.UTC().Format("15:04 MST")}
}

type bannerKey struct{}

// WithSupportBanner returns ctx carrying b, for Pages.Render to show.
func WithSupportBanner(ctx context.Context, b *SupportBanner) context.Context {
	return context.WithValue(ctx, bannerKey{}, b)
}

// SupportBannerFrom returns the banner ctx carries, or nil.
func SupportBannerFrom(ctx context.Context) *SupportBanner {
	b, _ := ctx.Value(bannerKey{}).(*SupportBanner)
	return b
}

// SupportPage confirms a support login before it starts: whom the support
// user will act as, where, and why (the reason, a ticket reference, which
// the tenant's policy may require).
type SupportPage struct {
	ClientName    string
	AuthRequestID string
	CSRFToken     string
	// ActorUsername is the support user; Username and TenantName the
	// person it will act as, and where.
	ActorUsername string
	Username      string
	TenantName    string
	// ReasonRequired says the policy requires a reason; Reason is what was
	// typed before.
	ReasonRequired bool
	Reason         string
	// LifetimeMinutes is how long the support session will last.
	LifetimeMinutes int
	// Error is MsgReasonRequired or MsgReasonInvalid.
	Error Message
}

func (SupportPage) templateName() string { return "support" }

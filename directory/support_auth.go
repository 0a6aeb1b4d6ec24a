package directory

import "context"

// AuthenticateSupport checks the password of a support login ("jill$john"
// at tenant): actorUsername is the support user, found in the nearest
// tenant above tenant (SupportActorIn). Like Authenticate it always costs
// one password verification and answers ErrInvalidCredentials for an
// unknown tenant, an unknown support user, one without a password and a
// wrong password alike; ErrUserDisabled only once the password was right.
// It returns the support user and the tenant logged in to; whether the
// support user may act there is AuthorizeSupport's question.
func (d *Directory) AuthenticateSupport(ctx context.Context, tenantSlug, actorUsername, pw string) (User, Tenant, error) {
	return d.authenticate(ctx, tenantSlug, actorUsername, pw, func(t Tenant, username string) (User, error) {
		actor, _, err := d.SupportActorIn(ctx, t, username)
		return actor, err
	})
}

// UserIn returns the user called username in tenantID (its home), for
// callers that must name a user they were only given the name of (the
// audit of a refused support login).
func (d *Directory) UserIn(ctx context.Context, tenantID, username string) (User, error) {
	return d.store.UserByUsername(ctx, tenantID, NormalizeUsername(username))
}

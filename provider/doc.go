// Package provider is Gatehouse's OpenID Connect / OAuth 2.0 endpoints, built
// on github.com/zitadel/oidc/v3's op package.
//
// The library parses and validates requests (authorize, end_session, client
// credentials at the token endpoint), matches redirect URIs exactly, runs the
// callback that hands out the code and renders OAuth errors. Gatehouse owns
// everything that decides what a token says or whether one is issued: the
// Server type embeds op.LegacyServer and replaces
//
//   - client authentication (only the method registered for the client;
//     private_key_jwt assertions verified in client_assertion.go, their
//     jti single use across nodes),
//   - the grants: authorization_code (PKCE S256 required by default,
//     single-use codes, a replayed code revokes what the first use issued),
//     refresh_token (rotation; a reused token revokes its family),
//     client_credentials (no database write: the hot path signs and returns),
//     token exchange for support tools (token_exchange.go) and the device
//     authorization grant (token_device.go, device.go, device_login.go),
//   - support sessions (support.go): tokens issued in one carry act, never
//     outlive the session, and are only issued while the support rules
//     still allow it, every one audited (Deps.Audit),
//   - userinfo, introspection and revocation, which read Gatehouse's own JWT
//     access tokens,
//   - discovery, which advertises what Gatehouse really supports,
//   - back-channel logout (logout.go, Deps.Logout): the code exchange
//     records which client gets an ID token in which session, and
//     end_session has package logout tell those clients the session ended.
//
// Tokens are minted here, with the keys.Manager signer, so that access tokens
// carry the RFC 9068 header typ "at+jwt" and the claims package's contract
// (the library's own minting writes typ "JWT" and drops scope, auth_time and
// amr from access tokens).
//
// A browser login runs like this:
//
//	portal → GET /authorize → CreateAuthRequest (stored in the ephemeral store;
//	         completed at once if the browser's SSO session may be reused)
//	       → 302 /login?authRequestID=… (package login: tenant, username,
//	         password; CompleteLogin binds the request to the new session)
//	       → (a third-party client the person has yet to allow: the request
//	         waits instead, from the login or the SSO session, for
//	         /login/consent; consent.go)
//	       → 302 /authorize/callback?id=… (the library's, but for a request
//	         the person denied: access_denied; AuthRequestByID refuses
//	         a request that belongs to another browser's session)
//	       → 302 portal?code=…&state=…
//	portal → POST /oauth/token (CodeExchange) → ID token, access token,
//	         refresh token with offline_access
//
// A device without a browser (RFC 8628) signs a person in like this:
//
//	device → POST /device_authorization → device_code, user_code,
//	         verification_uri (/device)
//	person → /device (package devicepage): the code, the application
//	         confirmed (DeviceRequest, StartDeviceLogin)
//	       → /login?authRequestID=… (the same login, on a request bound to
//	         the device grant and the browser: authRequest.DeviceKey,
//	         DeviceBrowser)
//	       → /authorize/callback?id=… (finishDevice: in that browser, the
//	         grant approved for that session, audited) → /device/done
//	device → POST /oauth/token, grant_type device_code (DeviceToken):
//	         authorization_pending, slow_down, … then the tokens, once,
//	         minted as for a code (issueToPerson)
package provider

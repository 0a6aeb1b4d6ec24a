package demo

import "html/template"

const style = `<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24;line-height:1.5}
pre{background:#f4f6f8;padding:1rem;overflow-x:auto;border-radius:6px;font-size:.85rem}
.note{background:#fff8e1;padding:.75rem 1rem;border-radius:6px}
a.button{display:inline-block;padding:.5rem 1rem;background:#0b5cad;color:#fff;border-radius:6px;text-decoration:none;margin-right:.5rem}
a.button:focus{outline:3px solid #f5a623}
table{border-collapse:collapse}td,th{padding:.25rem .75rem;text-align:left;border-bottom:1px solid #ddd}
</style>`

var landingTemplate = template.Must(template.New("landing").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse demo portal</title>` + style + `</head><body>
<h1>Gatehouse demo portal</h1>
<p>Two portals share one Gatehouse sign-on. Log in to one, then open the other: no second prompt.</p>
<p><a class="button" href="/demo/web/login">Sign in to the web portal</a>
<a class="button" href="/demo/spa/login">Sign in to the single-page portal</a></p>
<h2>Demo accounts</h2>
<table><thead><tr><th>Tenant</th><th>Username</th><th>Password</th><th>Who</th></tr></thead><tbody>
{{range .}}<tr><td>{{.Tenant}}</td><td>{{.Username}}</td><td>{{.Password}}</td><td>{{.Description}}</td></tr>{{end}}
</tbody></table>
</body></html>`))

var claimsTemplate = template.Must(template.New("claims").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Signed in: Gatehouse demo portal</title>` + style + `</head><body>
<h1>Signed in to the {{.Portal}} portal as {{.Who}}</h1>
<p class="note">This is what a portal receives after login. A real portal never shows its tokens; this demo does so you can see the claims.</p>
<p><a class="button" href="/demo/{{.Other}}/login">Open the other portal (single sign-on)</a>
<a class="button" href="{{.LogoutURL}}">Log out</a></p>
<h2>ID token</h2>
<h3>Header</h3><pre>{{.IDHeader}}</pre>
<h3>Claims</h3><pre>{{.IDClaims}}</pre>
<h2>Access token (JWT, RFC 9068)</h2>
<h3>Header</h3><pre>{{.ATHeader}}</pre>
<h3>Claims</h3><pre>{{.ATClaims}}</pre>
<h2>Userinfo</h2><pre>{{.UserInfo}}</pre>
<p>Refresh token issued: {{if .Refresh}}yes (offline_access){{else}}no{{end}}</p>
<p><a href="/demo/">Back to the demo start page</a></p>
</body></html>`))

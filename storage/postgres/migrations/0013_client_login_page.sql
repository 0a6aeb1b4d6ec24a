-- 0013: a client's login page (directory.Client.InitiateLoginURI, OpenID
-- Connect Core §4 initiate_login_uri), the same column as version 13 of
-- storage/sqlite: where Gatehouse sends a person, with iss and login_hint,
-- once an invitation or a password reset that came from the client is
-- done. The conventions of 0001 hold. Existing clients get '', no login
-- page, as machine clients and portals without one keep. Adding a column
-- with a constant default rewrites no rows.

ALTER TABLE clients ADD COLUMN initiate_login_uri text NOT NULL DEFAULT '';

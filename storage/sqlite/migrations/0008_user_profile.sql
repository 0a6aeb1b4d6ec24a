-- 0008: a user's optional profile fields and login statistics
-- (directory.User). The conventions of 0001 hold. Existing users get an
-- empty profile and no logins:
--   * phone, job_title and office_location are '' when unknown;
--   * login_count counts successful logins; last_login_at (NULL before the
--     first), last_login_address and last_seen_at (NULL: never seen) are
--     the latest one's. Only a login writes them (RecordLogin), in one
--     UPDATE, so that an edit of the user never undoes one.

ALTER TABLE users ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN job_title TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN office_location TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN login_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_login_at TEXT;
ALTER TABLE users ADD COLUMN last_login_address TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_seen_at TEXT;

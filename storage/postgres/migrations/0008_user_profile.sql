-- 0008: a user's optional profile fields and login statistics
-- (directory.User), the same columns as version 8 of storage/sqlite. The
-- conventions of 0001 hold. Existing users get an empty profile and no
-- logins:
--   * phone, job_title and office_location are '' when unknown;
--   * login_count counts successful logins; last_login_at (NULL before the
--     first), last_login_address and last_seen_at (NULL: never seen) are
--     the latest one's. Only a login writes them (RecordLogin), in one
--     UPDATE, so that an edit of the user never undoes one.
-- Adding a column with a constant default rewrites no rows.

ALTER TABLE users
    ADD COLUMN phone text NOT NULL DEFAULT '',
    ADD COLUMN job_title text NOT NULL DEFAULT '',
    ADD COLUMN office_location text NOT NULL DEFAULT '',
    ADD COLUMN login_count integer NOT NULL DEFAULT 0,
    ADD COLUMN last_login_at timestamptz,
    ADD COLUMN last_login_address text NOT NULL DEFAULT '',
    ADD COLUMN last_seen_at timestamptz;

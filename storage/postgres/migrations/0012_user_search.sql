-- 0012: each user's search text (directory.Store.QueryUsers), the same as
-- version 12 of storage/sqlite: the username, email address and names,
-- lower-cased in Go (stored.SearchText) so that every letter is folded,
-- not A-Z only as lower() does under COLLATE "C", and alike in both
-- backends whatever the database's locale. CreateUser and UpdateUser
-- write it. The users stored before are left NULL rather than filled in
-- with lower(), which would fold A-Z only: QueryUsers matches them as
-- before 0012, A-Z and a-z alike, until their next change writes it.
-- COLLATE "C", as ids (0001): strpos compares bytes.

ALTER TABLE users ADD COLUMN search_text text COLLATE "C";

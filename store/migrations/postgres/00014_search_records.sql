-- Referrals and communications join the blind index, so that a search
-- finds them by their words as it finds concerns, notes and actions.
--
-- A referral's or a communication's tokens name no concern (concern_id is
-- NULL): who may find one is decided from its own row when searching, as
-- it is when reading it, and a concern is never found by the words of a
-- referral or communication about it. Tokens of a concern, a note or an
-- action still name their concern.
--
-- The table keeps its rows, row-level security and grants. Down removes
-- the tokens of referrals and communications, which the old constraints
-- do not allow.

-- +goose Up
ALTER TABLE search_tokens ALTER COLUMN concern_id DROP NOT NULL;
ALTER TABLE search_tokens DROP CONSTRAINT search_tokens_kind_check;
ALTER TABLE search_tokens ADD CONSTRAINT search_tokens_kind_check
    CHECK (kind IN ('concern', 'note', 'action', 'referral', 'communication'));
ALTER TABLE search_tokens ADD CONSTRAINT search_tokens_concern_check
    CHECK ((concern_id IS NULL) = (kind IN ('referral', 'communication')));

-- +goose Down
DELETE FROM search_tokens WHERE kind IN ('referral', 'communication');
ALTER TABLE search_tokens DROP CONSTRAINT search_tokens_concern_check;
ALTER TABLE search_tokens DROP CONSTRAINT search_tokens_kind_check;
ALTER TABLE search_tokens ADD CONSTRAINT search_tokens_kind_check CHECK (kind IN ('concern', 'note', 'action'));
ALTER TABLE search_tokens ALTER COLUMN concern_id SET NOT NULL;

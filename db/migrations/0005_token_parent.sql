-- A token minted through the API with another token records that token as
-- its parent, so that revoking a token also revokes every token minted
-- through it: an embedding's token, which whoever reads the host page can
-- see, cannot outlive its revoke by minting another.
ALTER TABLE api_tokens ADD COLUMN parent_id TEXT REFERENCES api_tokens(id);
CREATE INDEX api_tokens_parent ON api_tokens(parent_id);

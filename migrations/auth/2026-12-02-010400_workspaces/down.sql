ALTER TABLE oauth_states DROP COLUMN workspace_id;
ALTER TABLE oauth_connections DROP COLUMN workspace_id;
-- Without workspaces every token sees everything: tokens of workspaces other than the
-- default one would gain sight of other clients' data, so they go.
DELETE FROM api_tokens WHERE workspace_id <> 1;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_workspace_admin_of_a_workspace;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_platform_scopes_on_platform_tokens;
ALTER TABLE api_tokens DROP COLUMN workspace_id;
DELETE FROM api_tokens WHERE 'workspace:admin' = ANY (scopes);
UPDATE api_tokens SET scopes = array_remove(scopes, 'upstream:tokens');
DELETE FROM api_tokens WHERE cardinality(scopes) = 0;
DROP TABLE workspaces;

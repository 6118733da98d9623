DROP TABLE oauth_states;
DROP TABLE oauth_connections;
DROP TABLE api_tokens;

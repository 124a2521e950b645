-- +goose Up
-- A link is one configured connector. Its executable is pinned by SHA-256 when the link is
-- created, so a replaced file is refused instead of run with the link's credentials.
CREATE TABLE links (
    id            text PRIMARY KEY,
    connector     text NOT NULL,
    name          text NOT NULL,
    binary_path   text NOT NULL,
    binary_sha256 text NOT NULL,
    fields        text NOT NULL DEFAULT '[]',
    config        text NOT NULL DEFAULT '{}',
    secrets       text NOT NULL DEFAULT '{}',
    enabled       boolean NOT NULL DEFAULT true,
    status        text NOT NULL DEFAULT 'stopped',
    status_reason text NOT NULL DEFAULT '',
    priority      integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX links_name_key ON links (lower(name));

-- The external system's clients as each link reports them, and the tenant each maps to.
CREATE TABLE link_clients (
    link_id     text NOT NULL REFERENCES links (id) ON DELETE CASCADE,
    client_id   text NOT NULL,
    client_name text NOT NULL DEFAULT '',
    tenant_id   text REFERENCES tenants (id) ON DELETE SET NULL,
    PRIMARY KEY (link_id, client_id)
);
CREATE INDEX link_clients_tenant ON link_clients (tenant_id);

-- +goose Down
DROP TABLE link_clients;
DROP TABLE links;

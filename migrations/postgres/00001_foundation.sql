-- +goose Up
CREATE TABLE tenants (
    id                 text PRIMARY KEY,
    name               text NOT NULL,
    parent_id          text REFERENCES tenants (id) ON DELETE RESTRICT,
    is_msp             boolean NOT NULL DEFAULT false,
    onboarding_enabled boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE UNIQUE INDEX tenants_name_key ON tenants (lower(name));
CREATE UNIQUE INDEX tenants_one_msp ON tenants (is_msp) WHERE is_msp;

CREATE TABLE api_tokens (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    token_hash   text NOT NULL UNIQUE,
    role         text NOT NULL,
    tenant_id    text REFERENCES tenants (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz
);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    tenant_id   text,
    before      text,
    after       text
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE tenants;

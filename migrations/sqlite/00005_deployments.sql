-- +goose Up
ALTER TABLE tenants ADD COLUMN tags text NOT NULL DEFAULT '[]';

CREATE TABLE deployments (
    id             text PRIMARY KEY,
    item_kind      text NOT NULL,
    item_id        text NOT NULL,
    state          text NOT NULL,
    version        text NOT NULL DEFAULT '',
    scope          text NOT NULL,
    tenant_id      text REFERENCES tenants (id) ON DELETE CASCADE,
    target_kind    text NOT NULL,
    target_ref     text NOT NULL DEFAULT '',
    computer_types text NOT NULL DEFAULT '[]',
    parameters     text NOT NULL DEFAULT '{}',
    priority       integer NOT NULL DEFAULT 100,
    enabled        boolean NOT NULL DEFAULT 1,
    notes          text NOT NULL DEFAULT '',
    created_by     text NOT NULL,
    created_at     timestamp NOT NULL,
    updated_at     timestamp NOT NULL
);
CREATE INDEX deployments_item ON deployments (item_id);
CREATE INDEX deployments_tenant ON deployments (tenant_id);

-- +goose Down
DROP TABLE deployments;
ALTER TABLE tenants DROP COLUMN tags;

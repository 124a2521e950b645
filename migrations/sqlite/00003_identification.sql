-- +goose Up
ALTER TABLE computers ADD COLUMN serial_key text NOT NULL DEFAULT '';
ALTER TABLE computers ADD COLUMN status_reason text NOT NULL DEFAULT '';
ALTER TABLE computers ADD COLUMN decision_suggestion text NOT NULL DEFAULT '';
ALTER TABLE computers ADD COLUMN decision_reason text NOT NULL DEFAULT '';
ALTER TABLE computers ADD COLUMN decision_computer_id text;
ALTER TABLE computers ADD COLUMN primary_person_id text;
ALTER TABLE computers ADD COLUMN primary_person_override text;
ALTER TABLE computers ADD COLUMN upn_history text NOT NULL DEFAULT '[]';
CREATE INDEX computers_serial_key ON computers (serial_key);
CREATE INDEX computers_status ON computers (tenant_id, status);

CREATE TABLE distrusted_values (
    kind       text NOT NULL,
    value      text NOT NULL,
    reason     text NOT NULL,
    created_at timestamp NOT NULL,
    PRIMARY KEY (kind, value)
);

CREATE TABLE pathways (
    id            text PRIMARY KEY,
    link_id       text NOT NULL,
    external_id   text NOT NULL,
    tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    computer_id   text REFERENCES computers (id) ON DELETE SET NULL,
    online        boolean NOT NULL DEFAULT 0,
    gone          boolean NOT NULL DEFAULT 0,
    first_seen_at timestamp NOT NULL,
    last_seen_at  timestamp
);
CREATE UNIQUE INDEX pathways_link_external ON pathways (link_id, external_id);
CREATE INDEX pathways_computer ON pathways (computer_id);

CREATE TABLE persons (
    id                  text PRIMARY KEY,
    tenant_id           text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    upn                 text NOT NULL,
    email               text NOT NULL DEFAULT '',
    display_name        text NOT NULL DEFAULT '',
    directory_object_id text NOT NULL DEFAULT '',
    tags                text NOT NULL DEFAULT '[]',
    created_at          timestamp NOT NULL,
    updated_at          timestamp NOT NULL
);
CREATE UNIQUE INDEX persons_tenant_upn ON persons (tenant_id, lower(upn));

-- +goose Down
DROP TABLE persons;
DROP TABLE pathways;
DROP TABLE distrusted_values;
DROP INDEX computers_status;
DROP INDEX computers_serial_key;
ALTER TABLE computers DROP COLUMN upn_history;
ALTER TABLE computers DROP COLUMN primary_person_override;
ALTER TABLE computers DROP COLUMN primary_person_id;
ALTER TABLE computers DROP COLUMN decision_computer_id;
ALTER TABLE computers DROP COLUMN decision_reason;
ALTER TABLE computers DROP COLUMN decision_suggestion;
ALTER TABLE computers DROP COLUMN status_reason;
ALTER TABLE computers DROP COLUMN serial_key;

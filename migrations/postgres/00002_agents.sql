-- +goose Up
CREATE TABLE enrollment_tokens (
    id         text PRIMARY KEY,
    tenant_id  text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name       text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    tags       text NOT NULL DEFAULT '[]',
    max_uses   integer,
    uses       integer NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);
CREATE INDEX enrollment_tokens_tenant ON enrollment_tokens (tenant_id);

CREATE TABLE computers (
    id              text PRIMARY KEY,
    tenant_id       text NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
    name            text NOT NULL,
    status          text NOT NULL,
    smbios_uuid     text NOT NULL DEFAULT '',
    uuid_key        text NOT NULL DEFAULT '',
    serial          text NOT NULL DEFAULT '',
    manufacturer    text NOT NULL DEFAULT '',
    model           text NOT NULL DEFAULT '',
    os_name         text NOT NULL DEFAULT '',
    os_version      text NOT NULL DEFAULT '',
    os_install_id   text NOT NULL DEFAULT '',
    os_install_date timestamptz,
    computer_type   text NOT NULL DEFAULT '',
    tags            text NOT NULL DEFAULT '[]',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    last_seen_at    timestamptz
);
CREATE INDEX computers_tenant ON computers (tenant_id);
CREATE INDEX computers_uuid_key ON computers (uuid_key);
CREATE INDEX computers_serial ON computers (serial);

CREATE TABLE agents (
    id                 text PRIMARY KEY,
    tenant_id          text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    computer_id        text REFERENCES computers (id) ON DELETE SET NULL,
    enrollment_id      text,
    public_key         text NOT NULL,
    hostname           text NOT NULL DEFAULT '',
    version            text NOT NULL DEFAULT '',
    tags               text NOT NULL DEFAULT '[]',
    enrolled_at        timestamptz NOT NULL,
    revoked_at         timestamptz,
    connected_instance text,
    last_seen_at       timestamptz
);
CREATE INDEX agents_computer ON agents (computer_id);
CREATE INDEX agents_instance ON agents (connected_instance);

CREATE TABLE computer_inventory (
    computer_id text PRIMARY KEY REFERENCES computers (id) ON DELETE CASCADE,
    fingerprint text NOT NULL,
    reported_at timestamptz NOT NULL,
    data        text NOT NULL
);

CREATE TABLE computer_software (
    computer_id  text NOT NULL REFERENCES computers (id) ON DELETE CASCADE,
    name         text NOT NULL,
    version      text NOT NULL DEFAULT '',
    publisher    text NOT NULL DEFAULT '',
    product_code text NOT NULL DEFAULT '',
    upgrade_code text NOT NULL DEFAULT '',
    source       text NOT NULL DEFAULT ''
);
CREATE INDEX computer_software_computer ON computer_software (computer_id);
CREATE INDEX computer_software_name ON computer_software (lower(name));

CREATE TABLE script_runs (
    id              text PRIMARY KEY,
    tenant_id       text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    computer_id     text NOT NULL REFERENCES computers (id) ON DELETE CASCADE,
    agent_id        text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    language        text NOT NULL,
    context         text NOT NULL,
    body            text NOT NULL,
    params          text NOT NULL DEFAULT '{}',
    timeout_seconds integer NOT NULL,
    status          text NOT NULL,
    exit_code       integer,
    error           text NOT NULL DEFAULT '',
    timed_out       boolean NOT NULL DEFAULT false,
    dropped_bytes   bigint NOT NULL DEFAULT 0,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL,
    dispatched_at   timestamptz,
    started_at      timestamptz,
    finished_at     timestamptz
);
CREATE INDEX script_runs_agent_status ON script_runs (agent_id, status);
CREATE INDEX script_runs_computer ON script_runs (computer_id, created_at);

CREATE TABLE script_output (
    run_id text NOT NULL REFERENCES script_runs (id) ON DELETE CASCADE,
    seq    bigint NOT NULL,
    stream text NOT NULL,
    line   text NOT NULL,
    at     timestamptz NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- +goose Down
DROP TABLE script_output;
DROP TABLE script_runs;
DROP TABLE computer_software;
DROP TABLE computer_inventory;
DROP TABLE agents;
DROP TABLE computers;
DROP TABLE enrollment_tokens;

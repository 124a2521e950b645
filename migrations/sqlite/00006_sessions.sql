-- +goose Up
CREATE TABLE sessions (
    id               text PRIMARY KEY,
    tenant_id        text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    computer_id      text NOT NULL REFERENCES computers (id) ON DELETE CASCADE,
    mode             text NOT NULL,
    item_id          text NOT NULL DEFAULT '',
    status           text NOT NULL,
    stage            text NOT NULL DEFAULT '',
    onboarding       boolean NOT NULL DEFAULT 0,
    apply_on_connect boolean NOT NULL DEFAULT 0,
    summary          text NOT NULL DEFAULT '',
    rerun_of         text,
    created_by       text NOT NULL,
    created_at       timestamp NOT NULL,
    started_at       timestamp,
    finished_at      timestamp,
    lease_owner      text,
    lease_until      timestamp,
    requeued_at      timestamp
);
CREATE INDEX sessions_computer ON sessions (computer_id, created_at);
CREATE INDEX sessions_status ON sessions (status);

CREATE TABLE session_actions (
    id               text PRIMARY KEY,
    session_id       text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    position         integer NOT NULL,
    item_kind        text NOT NULL,
    item_id          text NOT NULL,
    item_name        text NOT NULL,
    deployment_id    text NOT NULL,
    state            text NOT NULL,
    action_type      text NOT NULL,
    reason           text NOT NULL,
    detected_version text NOT NULL DEFAULT '',
    target_version   text NOT NULL DEFAULT '',
    status           text NOT NULL,
    result           text NOT NULL DEFAULT '',
    result_reason    text NOT NULL DEFAULT '',
    reboot_needed    boolean NOT NULL DEFAULT 0,
    started_at       timestamp,
    finished_at      timestamp
);
CREATE INDEX session_actions_session ON session_actions (session_id, position);

CREATE TABLE session_log (
    id         integer PRIMARY KEY AUTOINCREMENT,
    session_id text NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    action_id  text,
    at         timestamp NOT NULL,
    level      text NOT NULL,
    stream     text NOT NULL DEFAULT '',
    line       text NOT NULL,
    run_id     text,
    run_seq    integer
);
CREATE INDEX session_log_session ON session_log (session_id, id);
CREATE UNIQUE INDEX session_log_run_line ON session_log (session_id, run_id, run_seq);

ALTER TABLE agents ADD COLUMN inventory_requested_at timestamp;
ALTER TABLE script_runs ADD COLUMN files text NOT NULL DEFAULT '[]';
ALTER TABLE script_runs ADD COLUMN session_id text;

-- +goose Down
ALTER TABLE script_runs DROP COLUMN session_id;
ALTER TABLE script_runs DROP COLUMN files;
ALTER TABLE agents DROP COLUMN inventory_requested_at;
DROP TABLE session_log;
DROP TABLE session_actions;
DROP TABLE sessions;

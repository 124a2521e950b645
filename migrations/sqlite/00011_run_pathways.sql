-- +goose Up
-- A run goes through Steward's own agent (agent_id) or through a link's record of the computer
-- (pathway_id), never both. SQLite cannot drop NOT NULL in place, so script_runs is rebuilt.
-- Its output is rebuilt alongside and the old tables are dropped output first: dropping
-- script_runs while script_output still referenced it would cascade the output away.
CREATE TABLE script_runs_new (
    id                  text PRIMARY KEY,
    tenant_id           text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    computer_id         text NOT NULL REFERENCES computers (id) ON DELETE CASCADE,
    agent_id            text REFERENCES agents (id) ON DELETE CASCADE,
    pathway_id          text REFERENCES pathways (id) ON DELETE CASCADE,
    language            text NOT NULL,
    context             text NOT NULL,
    body                text NOT NULL,
    params              text NOT NULL DEFAULT '{}',
    timeout_seconds     integer NOT NULL,
    status              text NOT NULL,
    exit_code           integer,
    error               text NOT NULL DEFAULT '',
    timed_out           boolean NOT NULL DEFAULT 0,
    dropped_bytes       integer NOT NULL DEFAULT 0,
    created_by          text NOT NULL,
    created_at          timestamp NOT NULL,
    dispatched_at       timestamp,
    started_at          timestamp,
    finished_at         timestamp,
    files               text NOT NULL DEFAULT '[]',
    session_id          text,
    secret_params       text NOT NULL DEFAULT '',
    cancel_requested_at timestamp,
    cancel_sent_at      timestamp,
    CHECK ((agent_id IS NULL) <> (pathway_id IS NULL))
);
INSERT INTO script_runs_new (id, tenant_id, computer_id, agent_id, language, context, body,
    params, timeout_seconds, status, exit_code, error, timed_out, dropped_bytes, created_by,
    created_at, dispatched_at, started_at, finished_at, files, session_id, secret_params,
    cancel_requested_at, cancel_sent_at)
SELECT id, tenant_id, computer_id, agent_id, language, context, body,
    params, timeout_seconds, status, exit_code, error, timed_out, dropped_bytes, created_by,
    created_at, dispatched_at, started_at, finished_at, files, session_id, secret_params,
    cancel_requested_at, cancel_sent_at
FROM script_runs;

CREATE TABLE script_output_new (
    run_id text NOT NULL REFERENCES script_runs_new (id) ON DELETE CASCADE,
    seq    integer NOT NULL,
    stream text NOT NULL,
    line   text NOT NULL,
    at     timestamp NOT NULL,
    PRIMARY KEY (run_id, seq)
);
INSERT INTO script_output_new (run_id, seq, stream, line, at)
SELECT run_id, seq, stream, line, at FROM script_output;

DROP TABLE script_output;
DROP TABLE script_runs;
-- Renaming also rewrites script_output_new's reference to the new name.
ALTER TABLE script_runs_new RENAME TO script_runs;
ALTER TABLE script_output_new RENAME TO script_output;
CREATE INDEX script_runs_agent_status ON script_runs (agent_id, status);
CREATE INDEX script_runs_pathway_status ON script_runs (pathway_id, status);
CREATE INDEX script_runs_computer ON script_runs (computer_id, created_at);


-- What each link's connector declared it can do, so the hub picks pathways without asking
-- the connector.
ALTER TABLE links ADD COLUMN capabilities text NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE links DROP COLUMN capabilities;
CREATE TABLE script_runs_new (
    id                  text PRIMARY KEY,
    tenant_id           text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    computer_id         text NOT NULL REFERENCES computers (id) ON DELETE CASCADE,
    agent_id            text NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    language            text NOT NULL,
    context             text NOT NULL,
    body                text NOT NULL,
    params              text NOT NULL DEFAULT '{}',
    timeout_seconds     integer NOT NULL,
    status              text NOT NULL,
    exit_code           integer,
    error               text NOT NULL DEFAULT '',
    timed_out           boolean NOT NULL DEFAULT 0,
    dropped_bytes       integer NOT NULL DEFAULT 0,
    created_by          text NOT NULL,
    created_at          timestamp NOT NULL,
    dispatched_at       timestamp,
    started_at          timestamp,
    finished_at         timestamp,
    files               text NOT NULL DEFAULT '[]',
    session_id          text,
    secret_params       text NOT NULL DEFAULT '',
    cancel_requested_at timestamp,
    cancel_sent_at      timestamp
);
INSERT INTO script_runs_new (id, tenant_id, computer_id, agent_id, language, context, body,
    params, timeout_seconds, status, exit_code, error, timed_out, dropped_bytes, created_by,
    created_at, dispatched_at, started_at, finished_at, files, session_id, secret_params,
    cancel_requested_at, cancel_sent_at)
SELECT id, tenant_id, computer_id, agent_id, language, context, body,
    params, timeout_seconds, status, exit_code, error, timed_out, dropped_bytes, created_by,
    created_at, dispatched_at, started_at, finished_at, files, session_id, secret_params,
    cancel_requested_at, cancel_sent_at
FROM script_runs WHERE agent_id IS NOT NULL;

CREATE TABLE script_output_new (
    run_id text NOT NULL REFERENCES script_runs_new (id) ON DELETE CASCADE,
    seq    integer NOT NULL,
    stream text NOT NULL,
    line   text NOT NULL,
    at     timestamp NOT NULL,
    PRIMARY KEY (run_id, seq)
);
INSERT INTO script_output_new (run_id, seq, stream, line, at)
SELECT o.run_id, o.seq, o.stream, o.line, o.at FROM script_output o
JOIN script_runs_new r ON r.id = o.run_id;

DROP TABLE script_output;
DROP TABLE script_runs;
ALTER TABLE script_runs_new RENAME TO script_runs;
ALTER TABLE script_output_new RENAME TO script_output;
CREATE INDEX script_runs_agent_status ON script_runs (agent_id, status);
CREATE INDEX script_runs_computer ON script_runs (computer_id, created_at);


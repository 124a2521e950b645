-- +goose Up
-- A cancel asked for a run that its agent already has; the instance holding the agent's
-- connection passes it on.
ALTER TABLE script_runs ADD COLUMN cancel_requested_at timestamptz;

-- +goose Down
ALTER TABLE script_runs DROP COLUMN cancel_requested_at;

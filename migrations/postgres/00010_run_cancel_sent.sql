-- +goose Up
-- When the cancel of a run was passed on to its agent; the request itself stays, so the run's
-- result can say it was cancelled.
ALTER TABLE script_runs ADD COLUMN cancel_sent_at timestamptz;

-- +goose Down
ALTER TABLE script_runs DROP COLUMN cancel_sent_at;

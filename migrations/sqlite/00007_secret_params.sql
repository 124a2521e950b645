-- +goose Up
-- Password parameters of a run are kept sealed with the hub's key, apart from the others.
ALTER TABLE script_runs ADD COLUMN secret_params text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE script_runs DROP COLUMN secret_params;

-- +goose Up
-- Until when the instance carrying a run through a link vouches for it. It renews this while
-- the run goes on, so a run whose instance stopped is found soon instead of after its timeout.
ALTER TABLE script_runs ADD COLUMN carrier_until timestamptz;

-- +goose Down
ALTER TABLE script_runs DROP COLUMN carrier_until;

-- +goose Up
-- A run goes through Steward's own agent (agent_id) or through a link's record of the computer
-- (pathway_id), never both.
ALTER TABLE script_runs ALTER COLUMN agent_id DROP NOT NULL;
ALTER TABLE script_runs ADD COLUMN pathway_id text REFERENCES pathways (id) ON DELETE CASCADE;
ALTER TABLE script_runs ADD CONSTRAINT script_runs_one_pathway
    CHECK ((agent_id IS NULL) <> (pathway_id IS NULL));
CREATE INDEX script_runs_pathway_status ON script_runs (pathway_id, status);


-- What each link's connector declared it can do, so the hub picks pathways without asking
-- the connector.
ALTER TABLE links ADD COLUMN capabilities text NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE links DROP COLUMN capabilities;
DELETE FROM script_runs WHERE agent_id IS NULL;
DROP INDEX script_runs_pathway_status;
ALTER TABLE script_runs DROP CONSTRAINT script_runs_one_pathway;
ALTER TABLE script_runs DROP COLUMN pathway_id;
ALTER TABLE script_runs ALTER COLUMN agent_id SET NOT NULL;

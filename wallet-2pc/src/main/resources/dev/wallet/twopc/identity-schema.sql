-- The identity of a coordinator's database, created with it: one row holding a random UUID. It
-- names this deployment's prepared transactions (so that deployments sharing a server never take
-- each other's for their own) and keys the claim that lets one open wallet at a time coordinate
-- these databases.
CREATE TABLE IF NOT EXISTS coordinator_identity (
    singleton INT  PRIMARY KEY,
    id        UUID NOT NULL,
    CONSTRAINT coordinator_identity_one_row CHECK (singleton = 1)
)
;

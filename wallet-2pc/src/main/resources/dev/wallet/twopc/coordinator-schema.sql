-- Schema of the coordinator's own database; created on open if missing.

-- Two-phase commit decisions. Presumed abort: only commit decisions are written, after every
-- participant prepared and before any commits; no row means roll back. A decision is marked
-- finished once every participant committed.
CREATE TABLE IF NOT EXISTS decisions (
    tx_id        UUID        PRIMARY KEY,
    participants VARCHAR(64) NOT NULL,
    finished     BOOLEAN     NOT NULL
)
;
-- Recovery looks for the unfinished decisions only.
CREATE INDEX IF NOT EXISTS decisions_unfinished ON decisions (finished)
;

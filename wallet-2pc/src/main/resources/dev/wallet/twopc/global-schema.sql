-- Coordinator tables of the TC/C and Saga strategies; created on open if missing.

-- One row per global transaction: the idempotency record of its id (the command, and once known
-- its outcome), the attempt under way, and the phase recovery drives. TC/C also keeps each
-- branch's status here. recovery_attempts counts the recovery passes that failed on the attempt;
-- past the bound the transaction is stuck: left for repair, and its id refused until then.
CREATE TABLE IF NOT EXISTS global_transactions (
    tx_id             UUID        PRIMARY KEY,
    protocol          VARCHAR(4)  NOT NULL,
    attempt           INT         NOT NULL,
    phase             VARCHAR(12) NOT NULL,
    kind              VARCHAR(10) NOT NULL,
    first_account     VARCHAR(80) NOT NULL,
    second_account    VARCHAR(80),
    amount            BIGINT      NOT NULL,
    currency          CHAR(3)     NOT NULL,
    outcome           VARCHAR(24),
    source_branch     VARCHAR(10),
    target_branch     VARCHAR(10),
    recovery_attempts INT         NOT NULL
)
;
-- Recovery looks for the unfinished transactions of its protocol.
CREATE INDEX IF NOT EXISTS global_transactions_phase ON global_transactions (protocol, phase)
;
-- The saga log: every step recorded before (BEGUN) and after (DONE) it runs.
CREATE TABLE IF NOT EXISTS saga_log (
    tx_id   UUID       NOT NULL,
    attempt INT        NOT NULL,
    step    VARCHAR(8) NOT NULL,
    state   VARCHAR(6) NOT NULL,
    PRIMARY KEY (tx_id, attempt, step, state)
)
;

-- Schema of every shard database (H2 and PostgreSQL alike); created on open if missing.
-- Statements are separated by lines holding only a semicolon.

-- Customer and funding accounts of this shard. Customer balances may not go negative; a
-- funding account may, down to minus the outstanding limit of its currency (10^18 minor units).
CREATE TABLE IF NOT EXISTS accounts (
    id         VARCHAR(80) PRIMARY KEY,
    currency   CHAR(3)     NOT NULL,
    balance    BIGINT      NOT NULL,
    is_funding BOOLEAN     NOT NULL,
    CONSTRAINT accounts_floor CHECK (balance >= 0 OR (is_funding AND balance >= -1000000000000000000))
)
;
-- The ledger of decided money commands, keyed by transaction id, held by the shard that owns the
-- id (Partitioner.partitionOf(TransactionId)). Failed outcomes are recorded too, so that a repeat
-- of the id always gets the same answer.
CREATE TABLE IF NOT EXISTS ledger (
    tx_id          UUID        PRIMARY KEY,
    kind           VARCHAR(10) NOT NULL,
    first_account  VARCHAR(80) NOT NULL,
    second_account VARCHAR(80),
    amount         BIGINT      NOT NULL,
    currency       CHAR(3)     NOT NULL,
    status         VARCHAR(24) NOT NULL
)
;
-- TC/C fences: one row per (transaction, attempt, branch), written in the same local transaction
-- as the branch's balance change. It makes every phase idempotent (a phase is a compare-and-set on
-- the row), turns a cancel that arrives before its try into an empty rollback (a CANCELLED row with
-- no balance change), and refuses a try that arrives after its cancel.
CREATE TABLE IF NOT EXISTS tcc_fence (
    tx_id   UUID        NOT NULL,
    attempt INT         NOT NULL,
    branch  VARCHAR(8)  NOT NULL,
    status  VARCHAR(10) NOT NULL,
    PRIMARY KEY (tx_id, attempt, branch)
)
;
-- Saga steps applied on this shard, committed with the step's balance change: running a step
-- twice finds its row and changes nothing. A step that must never run any more (a credit the
-- compensation gave up on, a debit recovery abandoned) gets its row with voided = TRUE and no
-- balance change; a late attempt at that step then finds the row and is refused.
CREATE TABLE IF NOT EXISTS saga_applied (
    tx_id   UUID       NOT NULL,
    attempt INT        NOT NULL,
    step    VARCHAR(8) NOT NULL,
    voided  BOOLEAN    NOT NULL,
    PRIMARY KEY (tx_id, attempt, step)
)
;

import type { PoolClient } from 'pg';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

const STATUSES = "('triage','todo','ready','running','blocked','done','archived')";

/** Any constant shared by every Pulseboard server: they queue on it while one of them migrates. */
const MIGRATION_LOCK_KEY = 7_420_001;

/** Append only: a migration, once released, is never edited; a change is a new entry. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE boards (
        slug text PRIMARY KEY,
        created_at double precision NOT NULL
      );
      -- seq orders tasks created within the same clock tick; id is the public name.
      -- has_children is set when a task first becomes a parent and never cleared: completing a task
      -- without children can then skip the readiness walk, and because it lives on the parent's own
      -- row, a concurrent link to that parent conflicts with the completion's row lock.
      CREATE TABLE tasks (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        board text NOT NULL REFERENCES boards(slug),
        title text NOT NULL,
        body text NOT NULL DEFAULT '',
        assignee text,
        priority bigint NOT NULL DEFAULT 0,
        status text NOT NULL CHECK (status IN ${STATUSES}),
        max_runtime_seconds double precision,
        max_attempts integer NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        created_at double precision NOT NULL,
        updated_at double precision NOT NULL,
        current_run_id bigint,
        result jsonb,
        has_children boolean NOT NULL DEFAULT false
      );
      -- The claim reads the first row of one of these in order, without sorting. Unassigned tasks get
      -- their own indexes because PostgreSQL does not treat "assignee IS NULL" as an equality that
      -- lets an index on (assignee, priority, ...) return rows in priority order.
      CREATE INDEX tasks_claim_unassigned ON tasks (priority DESC, created_at, seq)
        WHERE status = 'ready' AND assignee IS NULL;
      CREATE INDEX tasks_claim_unassigned_board ON tasks (board, priority DESC, created_at, seq)
        WHERE status = 'ready' AND assignee IS NULL;
      CREATE INDEX tasks_claim_assigned ON tasks (assignee, priority DESC, created_at, seq)
        WHERE status = 'ready' AND assignee IS NOT NULL;
      CREATE INDEX tasks_claim_assigned_board ON tasks (board, assignee, priority DESC, created_at, seq)
        WHERE status = 'ready' AND assignee IS NOT NULL;
      CREATE INDEX tasks_board_status ON tasks (board, status);
      CREATE INDEX tasks_created ON tasks (created_at, seq);
      CREATE TABLE task_links (
        task_id text NOT NULL REFERENCES tasks(id),
        parent_id text NOT NULL REFERENCES tasks(id),
        position integer NOT NULL,
        PRIMARY KEY (task_id, parent_id)
      );
      CREATE INDEX task_links_parent ON task_links (parent_id);
      -- An identity is never reused, so an old worker's run id can never name a newer run.
      CREATE TABLE runs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        task_id text NOT NULL REFERENCES tasks(id),
        board text NOT NULL,
        profile text,
        worker text NOT NULL,
        host text NOT NULL,
        worker_pid bigint,
        worker_started_at double precision,
        claim_lock text NOT NULL,
        claim_token text NOT NULL,
        claim_expires double precision NOT NULL,
        lease_ttl_seconds double precision NOT NULL,
        last_heartbeat_at double precision NOT NULL,
        last_progress_at double precision,
        max_runtime_seconds double precision,
        started_at double precision NOT NULL,
        ended_at double precision,
        outcome text,
        exit_code bigint,
        summary text,
        error text,
        metadata jsonb NOT NULL DEFAULT '{}',
        stop_requested_at double precision
      );
      CREATE INDEX runs_task ON runs (task_id, id);
      CREATE INDEX runs_active ON runs (board, started_at) WHERE ended_at IS NULL;
      -- Event ids are SSE ids and must only grow. The sequence keeps its default CACHE 1: with a
      -- per-session cache, ids would be handed out of order across connections.
      CREATE TABLE events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        board text NOT NULL,
        task_id text,
        run_id bigint,
        kind text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        created_at double precision NOT NULL
      );
      CREATE INDEX events_board ON events (board, id);
      CREATE INDEX events_task ON events (task_id, id);
      CREATE INDEX events_run ON events (run_id, id);
      CREATE TABLE comments (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        task_id text NOT NULL REFERENCES tasks(id),
        author text NOT NULL,
        body text NOT NULL,
        created_at double precision NOT NULL
      );
      CREATE INDEX comments_task ON comments (task_id, id);
      CREATE TABLE api_tokens (
        id text PRIMARY KEY,
        role text NOT NULL CHECK (role IN ('viewer','worker','operator','admin')),
        name text NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        created_at double precision NOT NULL,
        last_used_at double precision,
        run_id bigint
      );
      CREATE INDEX api_tokens_run ON api_tokens (run_id) WHERE run_id IS NOT NULL;
    `,
  },
  {
    version: 2,
    name: 'board columns by recency',
    // A board shows the newest done and archived tasks; (board, status) alone made that a sort of them all.
    sql: `
      CREATE INDEX tasks_board_status_updated ON tasks (board, status, updated_at);
      DROP INDEX tasks_board_status;
    `,
  },
  {
    version: 3,
    name: 'runs without a foreign key to tasks',
    // Every run is inserted by a claim that selected and locked its task in the same statement, and
    // tasks are never deleted, so the key checked nothing; its check was a query and a row lock per
    // claim (about a sixth of PostgreSQL's CPU per task, measured with one worker).
    sql: `
      ALTER TABLE runs DROP CONSTRAINT IF EXISTS runs_task_id_fkey;
    `,
  },
  {
    version: 4,
    name: 'who put the pid on a run',
    // Only a process this server spawned may be signalled. Runs from before this column: the
    // dispatcher marked its own with metadata.dispatcher, any other pid was a claimant's word.
    sql: `
      ALTER TABLE runs ADD COLUMN worker_origin text CHECK (worker_origin IN ('spawned','declared'));
      UPDATE runs SET worker_origin = CASE WHEN metadata @> '{"dispatcher": true}' THEN 'spawned' ELSE 'declared' END
        WHERE worker_pid IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'run activity by time',
    // The overview counts runs started and ended per minute of the last hour; without these it read
    // every run ever made, on each poll.
    sql: `
      CREATE INDEX runs_started ON runs (started_at);
      CREATE INDEX runs_ended ON runs (ended_at, outcome) WHERE ended_at IS NOT NULL;
    `,
  },
];

/**
 * Applies the missing migrations in one transaction under a transaction-scoped advisory lock, so
 * servers starting at once take turns: the second one waits, then finds nothing left to do.
 * `schema` (already checked to be a plain identifier) is created first when given.
 */
export async function migrate(client: PoolClient, now: number, schema?: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    // The connection's search_path already names the schema; tables land in it once it exists.
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at double precision NOT NULL)',
    );
    const applied = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(applied.rows.map((r) => Number(r.version)));
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        now,
      ]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

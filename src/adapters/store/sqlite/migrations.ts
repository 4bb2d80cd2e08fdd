import type Database from 'better-sqlite3';

interface Migration {
  version: number;
  name: string;
  sql: string;
}

const STATUSES = "('triage','todo','ready','running','blocked','done','archived')";

/** Append only: a migration, once released, is never edited; a change is a new entry. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE boards (
        slug TEXT PRIMARY KEY,
        created_at REAL NOT NULL
      );
      -- seq orders tasks created within the same clock tick; id is the public name.
      CREATE TABLE tasks (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        board TEXT NOT NULL REFERENCES boards(slug),
        title TEXT NOT NULL,
        body TEXT NOT NULL DEFAULT '',
        assignee TEXT,
        priority INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ${STATUSES}),
        max_runtime_seconds REAL,
        max_attempts INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        current_run_id INTEGER,
        result TEXT
      );
      CREATE INDEX tasks_claim ON tasks (board, assignee, priority DESC, created_at, seq) WHERE status = 'ready';
      CREATE INDEX tasks_claim_any_board ON tasks (assignee, priority DESC, created_at, seq) WHERE status = 'ready';
      CREATE INDEX tasks_board_status ON tasks (board, status);
      CREATE TABLE task_links (
        task_id TEXT NOT NULL REFERENCES tasks(id),
        parent_id TEXT NOT NULL REFERENCES tasks(id),
        position INTEGER NOT NULL,
        PRIMARY KEY (task_id, parent_id)
      ) WITHOUT ROWID;
      CREATE INDEX task_links_parent ON task_links (parent_id);
      -- AUTOINCREMENT: a run id is never reused, so an old worker's id can never name a newer run.
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id TEXT NOT NULL REFERENCES tasks(id),
        board TEXT NOT NULL,
        profile TEXT,
        worker TEXT NOT NULL,
        host TEXT NOT NULL,
        worker_pid INTEGER,
        worker_started_at REAL,
        claim_lock TEXT NOT NULL,
        claim_token TEXT NOT NULL,
        claim_expires REAL NOT NULL,
        lease_ttl_seconds REAL NOT NULL,
        last_heartbeat_at REAL NOT NULL,
        last_progress_at REAL,
        max_runtime_seconds REAL,
        started_at REAL NOT NULL,
        ended_at REAL,
        outcome TEXT,
        exit_code INTEGER,
        summary TEXT,
        error TEXT,
        metadata TEXT NOT NULL DEFAULT '{}',
        stop_requested_at REAL
      );
      CREATE INDEX runs_task ON runs (task_id, id);
      -- Live runs are few among many ended ones: the reaper and the active listing scan only this index.
      CREATE INDEX runs_active ON runs (claim_expires) WHERE ended_at IS NULL;
      -- AUTOINCREMENT: event ids are SSE ids and must only grow.
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        board TEXT NOT NULL,
        task_id TEXT,
        run_id INTEGER,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL
      );
      CREATE INDEX events_board ON events (board, id);
      CREATE INDEX events_task ON events (task_id, id);
      CREATE INDEX events_run ON events (run_id, id);
      CREATE TABLE comments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id TEXT NOT NULL REFERENCES tasks(id),
        author TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at REAL NOT NULL
      );
      CREATE INDEX comments_task ON comments (task_id, id);
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('viewer','worker','operator','admin')),
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        last_used_at REAL,
        run_id INTEGER
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
    name: 'who put the pid on a run',
    // Only a process this server spawned may be signalled. Runs from before this column: the
    // dispatcher marked its own with metadata.dispatcher, any other pid was a claimant's word.
    sql: `
      ALTER TABLE runs ADD COLUMN worker_origin TEXT CHECK (worker_origin IN ('spawned','declared'));
      UPDATE runs SET worker_origin = CASE WHEN json_extract(metadata, '$.dispatcher') = 1 THEN 'spawned' ELSE 'declared' END
        WHERE worker_pid IS NOT NULL;
    `,
  },
  {
    version: 4,
    name: 'run activity by time',
    // The overview counts runs started and ended per minute of the last hour; without these it read
    // every run ever made, on each poll (86 ms with 200,000 ended runs, on the event loop).
    sql: `
      CREATE INDEX runs_started ON runs (started_at);
      CREATE INDEX runs_ended ON runs (ended_at, outcome) WHERE ended_at IS NOT NULL;
    `,
  },
];

/** Applies the missing migrations, each in its own BEGIN IMMEDIATE so processes opening one file at once take turns. */
export function migrate(db: Database.Database, now: number): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)');
  for (const migration of MIGRATIONS) {
    db.transaction(() => {
      const applied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(migration.version);
      if (applied) return;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        now,
      );
    }).immediate();
  }
}

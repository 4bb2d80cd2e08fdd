/** The one interface every benchmarked system implements, so sections never know which system they drive. */

export interface JobPayload {
  seq: number;
}

/** Resolves when the job's work is done; the system then records completion its own way. */
export type JobHandler = (payload: JobPayload) => void | Promise<void>;

export interface WorkerPool {
  stop(): Promise<void>;
}

export interface SetupOptions {
  /** Drop and recreate this system's own schema/keys/files. False in a child process that joins an existing setup. */
  fresh: boolean;
}

export interface BenchSystem {
  readonly name: string;
  setup(opts: SetupOptions): Promise<void>;
  /** Removes every job left by a previous run. */
  clear(): Promise<void>;
  /** As few round trips as the system allows. */
  enqueueBulk(payloads: readonly JobPayload[]): Promise<void>;
  /** Resolves once the job is committed and visible to workers. */
  enqueueOne(payload: JobPayload): Promise<void>;
  startWorkers(concurrency: number, handler: JobHandler): Promise<WorkerPool>;
  /** Jobs not finished yet (waiting or running). */
  pending(): Promise<number>;
  teardown(): Promise<void>;
}

export interface SystemFactory {
  name: string;
  /** Shown in the README and in the table's notes. */
  description: string;
  create(): BenchSystem;
}

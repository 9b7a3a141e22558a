/**
 * The job queue: long work (a prediction over thousands of tiles) is queued and run by workers, with
 * progress and cancellation. One interface, so an embedded tileflow runs jobs in its own process and
 * a team deployment can run them elsewhere. What a job has done is the job's own business (a
 * prediction keeps it per tile in its store), so a job that is run again resumes instead of repeating.
 */

/** A job to run: what kind of work, and its input (JSON-serialisable, so a queue may store it). */
export interface JobRequest<P = unknown> {
  kind: string;
  /** A stable id chosen by the caller (a prediction id): a job already queued or running under it is not queued twice. */
  id: string;
  payload: P;
}

export type JobState = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled';

/** A job's state as the queue sees it. */
export interface JobStatus {
  id: string;
  kind: string;
  state: JobState;
  error?: string;
  queuedAt: number;
  startedAt?: number;
  finishedAt?: number;
  /** What the handler returned (JSON), once finished. */
  result?: unknown;
}

/** What a handler gets: its job, and a signal that is aborted when the job is cancelled or the queue stops. */
export interface JobContext<P = unknown> {
  job: JobRequest<P>;
  signal: AbortSignal;
}

/** Runs a job; what it returns (JSON-serialisable) becomes the job's `result`. */
export type JobHandler<P = unknown> = (context: JobContext<P>) => Promise<unknown>;

/** A queue of jobs and the workers that run them. */
export interface JobQueue {
  /** Runs jobs of `kind` with `handler`, at most `concurrency` at a time (default 1). */
  handle<P>(kind: string, handler: JobHandler<P>, options?: { concurrency?: number }): void;
  /** Queues a job; returns its status (the existing one when a job with this id is queued or running). */
  enqueue<P>(request: JobRequest<P>): Promise<JobStatus>;
  /** A job's status, or undefined when the queue never saw it (or has forgotten it). */
  status(id: string): Promise<JobStatus | undefined>;
  /** Cancels a queued job, or aborts a running one (wherever it runs); false when there is no such job. */
  cancel(id: string): Promise<boolean>;
  /** Resolves when no job of the kinds this queue handles is queued or running. */
  idle(): Promise<void>;
  /** Stops taking jobs, aborts running ones and waits for them to return. */
  close(): Promise<void>;
}

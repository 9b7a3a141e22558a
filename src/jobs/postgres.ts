/**
 * The team job queue: jobs in a PostgreSQL table, taken by workers on any number of machines with
 * `FOR UPDATE SKIP LOCKED` (each job runs once), woken by LISTEN/NOTIFY and a poll. A running job's
 * worker renews its lease; a job whose lease ran out (its machine stopped or crashed) is queued again
 * by whichever worker notices, and its handler resumes it (a prediction keeps its state per tile).
 * Cancelling a running job flags it in the table; its worker sees the flag and aborts the handler.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import type { JobContext, JobHandler, JobQueue, JobRequest, JobState, JobStatus } from './queue.js';

export interface PostgresQueueOptions {
  /** `postgres://…` */
  url: string;
  /** How long a worker's hold on a running job lasts without renewal (default 30 s). */
  leaseMs?: number;
  /** How often workers look for jobs when nothing wakes them (default 1 s). */
  pollMs?: number;
}

const CHANNEL = 'tileflow_jobs';

interface Worker {
  handler: JobHandler<any>;
  concurrency: number;
  running: Map<string, AbortController>;
}

interface JobRow {
  job_id: string;
  kind: string;
  payload: unknown;
  state: JobState;
  error: string | null;
  result: unknown;
  queued_at: string | number;
  started_at: string | number | null;
  finished_at: string | number | null;
}

function toStatus(row: JobRow): JobStatus {
  return {
    id: row.job_id,
    kind: row.kind,
    state: row.state,
    queuedAt: Number(row.queued_at),
    ...(row.started_at !== null ? { startedAt: Number(row.started_at) } : {}),
    ...(row.finished_at !== null ? { finishedAt: Number(row.finished_at) } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
    ...(row.result !== null && row.result !== undefined ? { result: row.result } : {}),
  };
}

/** Jobs shared by every process that opens the same database. */
export class PostgresQueue implements JobQueue {
  private readonly workers = new Map<string, Worker>();
  private readonly workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private listener: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private closed = false;
  private readonly inflight = new Set<Promise<void>>();

  private constructor(private readonly pool: pg.Pool, options: PostgresQueueOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 1000;
  }

  /** Connects, creates the jobs table when missing, and starts listening for new jobs. */
  static async open(options: PostgresQueueOptions): Promise<PostgresQueue> {
    const pool = new pg.Pool({ connectionString: options.url, max: 4 });
    const queue = new PostgresQueue(pool, options);
    try {
      await pool.query(`CREATE TABLE IF NOT EXISTS tileflow_jobs (
        job_id varchar(128) PRIMARY KEY,
        kind varchar(64) NOT NULL,
        payload jsonb NOT NULL,
        state varchar(16) NOT NULL,
        error text,
        result jsonb,
        worker varchar(256),
        cancel_requested boolean NOT NULL DEFAULT false,
        lease_until bigint,
        queued_at bigint NOT NULL,
        started_at bigint,
        finished_at bigint)`);
      await pool.query('CREATE INDEX IF NOT EXISTS tileflow_jobs_queued ON tileflow_jobs (kind, queued_at) WHERE state = \'queued\'');
      queue.listener = new pg.Client({ connectionString: options.url });
      await queue.listener.connect();
      queue.listener.on('notification', () => void queue.poll());
      queue.listener.on('error', () => {}); // the poll keeps the queue working without notifications
      await queue.listener.query(`LISTEN ${CHANNEL}`);
      queue.timer = setInterval(() => void queue.poll(), queue.pollMs);
      queue.timer.unref();
    } catch (error) {
      await queue.listener?.end().catch(() => {});
      await pool.end();
      throw error;
    }
    return queue;
  }

  handle<P>(kind: string, handler: JobHandler<P>, options: { concurrency?: number } = {}): void {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
    this.workers.set(kind, { handler: handler as JobHandler<any>, concurrency, running: new Map() });
    void this.poll();
  }

  async enqueue<P>(request: JobRequest<P>): Promise<JobStatus> {
    if (this.closed) throw new Error('the job queue is closed');
    // A job queued or running under this id stays as it is; a finished one is queued afresh.
    const { rows } = await this.pool.query<JobRow>(
      `INSERT INTO tileflow_jobs (job_id, kind, payload, state, queued_at) VALUES ($1, $2, $3, 'queued', $4)
       ON CONFLICT (job_id) DO UPDATE SET kind = EXCLUDED.kind, payload = EXCLUDED.payload, state = 'queued', error = NULL, result = NULL,
         worker = NULL, cancel_requested = false, lease_until = NULL, queued_at = EXCLUDED.queued_at, started_at = NULL, finished_at = NULL
       WHERE tileflow_jobs.state NOT IN ('queued', 'running')
       RETURNING *`,
      [request.id, request.kind, JSON.stringify(request.payload ?? null), Date.now()],
    );
    if (rows.length) await this.pool.query(`NOTIFY ${CHANNEL}`);
    return rows.length ? toStatus(rows[0]) : ((await this.status(request.id)) as JobStatus);
  }

  async status(id: string): Promise<JobStatus | undefined> {
    const { rows } = await this.pool.query<JobRow>('SELECT * FROM tileflow_jobs WHERE job_id = $1', [id]);
    return rows.length ? toStatus(rows[0]) : undefined;
  }

  async cancel(id: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ state: string }>(
      `UPDATE tileflow_jobs SET
         state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
         finished_at = CASE WHEN state = 'queued' THEN $2 ELSE finished_at END,
         cancel_requested = (state = 'running')
       WHERE job_id = $1 AND state IN ('queued', 'running') RETURNING state`,
      [id, Date.now()],
    );
    // A job running here stops at once; one running elsewhere when its worker next renews its lease.
    for (const worker of this.workers.values()) worker.running.get(id)?.abort(new Error('cancelled'));
    return rows.length > 0;
  }

  async idle(): Promise<void> {
    const kinds = [...this.workers.keys()];
    for (;;) {
      const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM tileflow_jobs WHERE state IN ('queued', 'running') AND kind = ANY($1)`, [kinds]);
      if (Number(rows[0].n) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(this.pollMs, 200)));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const worker of this.workers.values()) for (const controller of worker.running.values()) controller.abort(new Error('the job queue is closing'));
    await Promise.all([...this.inflight]);
    await this.listener?.end().catch(() => {});
    await this.pool.end();
  }

  /** Takes jobs for every free worker, renews leases, honours cancel flags, and re-queues expired jobs. */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      const now = Date.now();
      await this.pool.query(`UPDATE tileflow_jobs SET state = 'queued', worker = NULL, lease_until = NULL WHERE state = 'running' AND lease_until < $1`, [now]);
      const mine = [...this.workers.values()].flatMap((w) => [...w.running.keys()]);
      if (mine.length) {
        const { rows } = await this.pool.query<{ job_id: string; cancel_requested: boolean }>(
          'UPDATE tileflow_jobs SET lease_until = $1 WHERE job_id = ANY($2) AND worker = $3 RETURNING job_id, cancel_requested',
          [now + this.leaseMs, mine, this.workerId],
        );
        for (const row of rows) if (row.cancel_requested) for (const w of this.workers.values()) w.running.get(row.job_id)?.abort(new Error('cancelled'));
      }
      for (const [kind, worker] of this.workers) {
        while (!this.closed && worker.running.size < worker.concurrency) {
          const { rows } = await this.pool.query<JobRow>(
            `UPDATE tileflow_jobs SET state = 'running', worker = $1, started_at = $2, lease_until = $3
             WHERE job_id = (SELECT job_id FROM tileflow_jobs WHERE state = 'queued' AND kind = $4 ORDER BY queued_at FOR UPDATE SKIP LOCKED LIMIT 1)
             RETURNING *`,
            [this.workerId, now, now + this.leaseMs, kind],
          );
          if (!rows.length) break;
          this.start(worker, rows[0]);
        }
      }
    } catch {
      // A lost connection: the next poll tries again.
    } finally {
      this.polling = false;
    }
  }

  private start(worker: Worker, row: JobRow): void {
    const controller = new AbortController();
    worker.running.set(row.job_id, controller);
    const context: JobContext = { job: { id: row.job_id, kind: row.kind, payload: row.payload }, signal: controller.signal };
    const run = (async () => {
      let state: JobState = 'finished';
      let error: string | null = null;
      let result: unknown = null;
      try {
        result = (await worker.handler(context)) ?? null;
        if (controller.signal.aborted) state = 'cancelled';
      } catch (failure) {
        state = controller.signal.aborted ? 'cancelled' : 'failed';
        error = (failure as Error)?.message ?? String(failure);
      } finally {
        worker.running.delete(row.job_id);
      }
      // A job aborted because this process is closing is handed back to the queue, not ended.
      const closing = this.closed && state === 'cancelled';
      await this.pool
        .query(
          closing
            ? `UPDATE tileflow_jobs SET state = 'queued', worker = NULL, lease_until = NULL WHERE job_id = $1 AND worker = $2`
            : `UPDATE tileflow_jobs SET state = $3, error = $4, result = $5, finished_at = $6, lease_until = NULL WHERE job_id = $1 AND worker = $2`,
          closing ? [row.job_id, this.workerId] : [row.job_id, this.workerId, state, error, JSON.stringify(result), Date.now()],
        )
        .catch(() => {});
      void this.poll();
    })();
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run));
  }
}

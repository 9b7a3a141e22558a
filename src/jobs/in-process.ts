/**
 * The embedded job queue: jobs run in this process, in order of arrival, with a concurrency limit per
 * kind. Nothing is persisted here: after a crash the owner of the work re-queues what was unfinished
 * (the prediction service does so from its store when it starts).
 */
import type { JobContext, JobHandler, JobQueue, JobRequest, JobStatus } from './queue.js';

/** Finished jobs remembered for `status` (the oldest are forgotten first). */
const REMEMBERED = 1000;

interface Entry {
  request: JobRequest;
  status: JobStatus;
  controller: AbortController;
  done?: Promise<void>;
}

interface Worker {
  handler: JobHandler<any>;
  concurrency: number;
  running: number;
}

/** Jobs run by this process. */
export class InProcessQueue implements JobQueue {
  private readonly workers = new Map<string, Worker>();
  private readonly entries = new Map<string, Entry>();
  private readonly waiting: Entry[] = [];
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  handle<P>(kind: string, handler: JobHandler<P>, options: { concurrency?: number } = {}): void {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a positive integer, got ${concurrency}`);
    this.workers.set(kind, { handler: handler as JobHandler<any>, concurrency, running: 0 });
    this.pump();
  }

  async enqueue<P>(request: JobRequest<P>): Promise<JobStatus> {
    return this.enqueueNow(request);
  }

  /** `enqueue`, synchronously. */
  enqueueNow<P>(request: JobRequest<P>): JobStatus {
    if (this.closed) throw new Error('the job queue is closed');
    const existing = this.entries.get(request.id);
    if (existing && (existing.status.state === 'queued' || existing.status.state === 'running')) return { ...existing.status };
    const entry: Entry = {
      request,
      status: { id: request.id, kind: request.kind, state: 'queued', queuedAt: Date.now() },
      controller: new AbortController(),
    };
    this.entries.delete(request.id);
    this.entries.set(request.id, entry);
    this.waiting.push(entry);
    this.forget();
    this.pump();
    return { ...entry.status };
  }

  async status(id: string): Promise<JobStatus | undefined> {
    const entry = this.entries.get(id);
    return entry ? { ...entry.status } : undefined;
  }

  async cancel(id: string): Promise<boolean> {
    const entry = this.entries.get(id);
    if (!entry) return false;
    if (entry.status.state === 'queued') {
      this.waiting.splice(this.waiting.indexOf(entry), 1);
      this.finish(entry, 'cancelled');
      return true;
    }
    if (entry.status.state === 'running') {
      entry.controller.abort(new Error('cancelled'));
      return true;
    }
    return false;
  }

  idle(): Promise<void> {
    if (this.busy() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.waiting.splice(0)) this.finish(entry, 'cancelled');
    const running = [...this.entries.values()].filter((e) => e.status.state === 'running');
    for (const entry of running) entry.controller.abort(new Error('the job queue is closing'));
    await Promise.all(running.map((e) => e.done));
  }

  private busy(): number {
    let n = this.waiting.length;
    for (const worker of this.workers.values()) n += worker.running;
    return n;
  }

  /** Starts every waiting job whose kind has a free worker, oldest first. */
  private pump(): void {
    for (let i = 0; i < this.waiting.length; i++) {
      const entry = this.waiting[i];
      const worker = this.workers.get(entry.request.kind);
      if (!worker || worker.running >= worker.concurrency) continue;
      this.waiting.splice(i--, 1);
      worker.running++;
      entry.status.state = 'running';
      entry.status.startedAt = Date.now();
      const context: JobContext = { job: entry.request, signal: entry.controller.signal };
      entry.done = (async () => {
        try {
          const result = await worker.handler(context);
          if (result !== undefined) entry.status.result = result;
          this.finish(entry, entry.controller.signal.aborted ? 'cancelled' : 'finished');
        } catch (error) {
          this.finish(entry, entry.controller.signal.aborted ? 'cancelled' : 'failed', (error as Error)?.message ?? String(error));
        } finally {
          worker.running--;
          this.pump();
        }
      })();
    }
    if (this.busy() === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private finish(entry: Entry, state: 'finished' | 'failed' | 'cancelled', error?: string): void {
    entry.status.state = state;
    entry.status.finishedAt = Date.now();
    if (error !== undefined) entry.status.error = error;
    if (this.busy() === 0) queueMicrotask(() => this.busy() === 0 && this.idleWaiters.splice(0).forEach((r) => r()));
  }

  private forget(): void {
    if (this.entries.size <= REMEMBERED) return;
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= REMEMBERED) break;
      if (entry.status.state !== 'queued' && entry.status.state !== 'running') this.entries.delete(id);
    }
  }
}

// The PostgreSQL job queue on a real server: two queues on one database stand for two machines. Each
// job runs exactly once whichever machine takes it; results and failures are recorded; a job is
// cancelled whether it waits or runs on the other machine; a job whose machine died (its lease ran
// out) is taken again; a machine that stops hands its running jobs back.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../../test/support/databases.js';
import { PostgresQueue } from './postgres.js';

const databases: TestDatabase[] = [];
const queues: PostgresQueue[] = [];

async function twoMachines(leaseMs = 30_000): Promise<[PostgresQueue, PostgresQueue, string]> {
  const database = await createTestDatabase('postgres');
  databases.push(database);
  const a = await PostgresQueue.open({ url: database.url, pollMs: 50, leaseMs });
  const b = await PostgresQueue.open({ url: database.url, pollMs: 50, leaseMs });
  queues.push(a, b);
  return [a, b, database.url];
}

after(async () => {
  for (const q of queues) await q.close();
  for (const d of databases) await d.drop();
});

test('jobs spread over two machines run exactly once each, with their results', async () => {
  const [a, b] = await twoMachines();
  const ran: { id: string; machine: string }[] = [];
  const handler = (machine: string) => async ({ job }: { job: { id: string; payload: unknown } }) => {
    ran.push({ id: job.id, machine });
    await sleep(20);
    return { doubled: (job.payload as { n: number }).n * 2 };
  };
  a.handle('work', handler('a'), { concurrency: 2 });
  b.handle('work', handler('b'), { concurrency: 2 });
  for (let i = 0; i < 20; i++) await a.enqueue({ kind: 'work', id: `job-${i}`, payload: { n: i } });
  const again = await b.enqueue({ kind: 'work', id: 'job-19', payload: { n: 19 } });
  assert.ok(again.state === 'queued' || again.state === 'running', 'a live job id is not queued twice');
  await a.idle();
  await sleep(100);
  assert.equal(ran.length, 20, `every job ran once: ${ran.map((r) => r.id).join(',')}`);
  assert.equal(new Set(ran.map((r) => r.id)).size, 20, 'no job ran twice');
  assert.ok(ran.some((r) => r.machine === 'a') && ran.some((r) => r.machine === 'b'), 'both machines took work');
  const status = await b.status('job-7');
  assert.equal(status?.state, 'finished');
  assert.deepEqual(status?.result, { doubled: 14 });
});

test('failures are recorded; cancel reaches a queued job and a job running on the other machine', async () => {
  const [a, b] = await twoMachines();
  let aborted = false;
  a.handle('slow', async ({ signal }) => {
    while (!signal.aborted) await sleep(10);
    aborted = true;
  });
  b.handle('bad', async () => {
    throw new Error('tile server down');
  });
  await b.enqueue({ kind: 'slow', id: 's1', payload: null });
  await b.enqueue({ kind: 'slow', id: 's2', payload: null });
  await b.enqueue({ kind: 'bad', id: 'b1', payload: null });
  for (let i = 0; i < 100 && (await b.status('s1'))?.state !== 'running'; i++) await sleep(20);
  assert.equal((await b.status('s1'))?.state, 'running');
  assert.equal((await b.status('s2'))?.state, 'queued', 'concurrency 1: the second waits');
  assert.equal(await b.cancel('s2'), true);
  assert.equal((await a.status('s2'))?.state, 'cancelled');
  assert.equal(await b.cancel('s1'), true, 'b cancels the job a runs');
  for (let i = 0; i < 100 && (await b.status('s1'))?.state === 'running'; i++) await sleep(20);
  assert.ok(aborted, "a's handler saw the abort");
  assert.equal((await b.status('s1'))?.state, 'cancelled');
  await b.idle();
  const failed = await a.status('b1');
  assert.equal(failed?.state, 'failed');
  assert.equal(failed?.error, 'tile server down');
  assert.equal(await a.cancel('nope'), false);
  assert.equal(await a.status('nope'), undefined);
});

test("a job whose machine died is taken again when its lease runs out; a stopping machine hands its jobs back", async () => {
  const [a, b, url] = await twoMachines(300);
  // A machine that took a job and died: running, its lease in the past.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`INSERT INTO tileflow_jobs (job_id, kind, payload, state, worker, lease_until, queued_at, started_at) VALUES ('orphan', 'work', '{}', 'running', 'dead-machine', $1, $1, $1)`, [Date.now() - 1000]);
  await client.end();
  const ran: string[] = [];
  b.handle('work', async ({ job }) => {
    ran.push(job.id);
  });
  for (let i = 0; i < 100 && (await b.status('orphan'))?.state !== 'finished'; i++) await sleep(20);
  assert.deepEqual(ran, ['orphan'], 'the orphaned job ran on a live machine');

  let started = 0;
  a.handle('long', async ({ signal }) => {
    started++;
    while (!signal.aborted) await sleep(10);
  });
  await a.enqueue({ kind: 'long', id: 'long-1', payload: null });
  for (let i = 0; i < 100 && (await a.status('long-1'))?.state !== 'running'; i++) await sleep(20);
  await a.close();
  assert.equal((await b.status('long-1'))?.state, 'queued', 'the stopped machine handed its job back');
  b.handle('long', async () => {
    started++;
  });
  for (let i = 0; i < 100 && (await b.status('long-1'))?.state !== 'finished'; i++) await sleep(20);
  assert.equal((await b.status('long-1'))?.state, 'finished');
  assert.equal(started, 2, 'it ran again on the other machine');
  await assert.rejects(a.enqueue({ kind: 'long', id: 'x', payload: null }), /closed/);
});

// The embedded queue: order, concurrency per kind, de-duplication by id, cancellation of queued and
// running jobs, failures, idle and close.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { InProcessQueue } from './in-process.js';

test('runs jobs in order, at most `concurrency` at a time, and reports idle', async () => {
  const queue = new InProcessQueue();
  const started: string[] = [];
  let running = 0;
  let peak = 0;
  queue.handle<{ n: number }>('work', async ({ job }) => {
    started.push(job.id);
    running++;
    peak = Math.max(peak, running);
    await sleep(10);
    running--;
  }, { concurrency: 2 });
  for (let i = 0; i < 6; i++) queue.enqueue({ kind: 'work', id: `j${i}`, payload: { n: i } });
  await queue.idle();
  assert.deepEqual(started, ['j0', 'j1', 'j2', 'j3', 'j4', 'j5']);
  assert.equal(peak, 2, 'two jobs ran at once, never more');
  assert.equal((await queue.status('j5'))?.state, 'finished');
  await queue.close();
});

test('a job id already queued or running is not queued twice; a finished one may run again', async () => {
  const queue = new InProcessQueue();
  let runs = 0;
  queue.handle('work', async () => {
    runs++;
    await sleep(5);
  });
  queue.enqueue({ kind: 'work', id: 'same', payload: null });
  const second = await queue.enqueue({ kind: 'work', id: 'same', payload: null });
  assert.ok(second.state === 'running' || second.state === 'queued', `the second enqueue returns the live job, got ${second.state}`);
  await queue.idle();
  assert.equal(runs, 1);
  queue.enqueue({ kind: 'work', id: 'same', payload: null });
  await queue.idle();
  assert.equal(runs, 2, 'a finished job runs again when re-queued (a resume)');
  await queue.close();
});

test('cancel removes a queued job and aborts a running one; a failure is recorded with its message', async () => {
  const queue = new InProcessQueue();
  queue.handle('slow', async ({ signal }) => {
    while (!signal.aborted) await sleep(5);
  });
  queue.handle('bad', async () => {
    throw new Error('tile server down');
  });
  queue.enqueue({ kind: 'slow', id: 'a', payload: null });
  queue.enqueue({ kind: 'slow', id: 'b', payload: null });
  await sleep(20);
  assert.equal((await queue.status('a'))?.state, 'running');
  assert.equal((await queue.status('b'))?.state, 'queued');
  assert.equal(await queue.cancel('b'), true);
  assert.equal((await queue.status('b'))?.state, 'cancelled');
  assert.equal(await queue.cancel('a'), true);
  queue.enqueue({ kind: 'bad', id: 'c', payload: null });
  await queue.idle();
  assert.equal((await queue.status('a'))?.state, 'cancelled');
  assert.equal((await queue.status('c'))?.state, 'failed');
  assert.equal((await queue.status('c'))?.error, 'tile server down');
  assert.equal(await queue.cancel('nope'), false);
  await queue.close();
});

test('jobs of a kind with no handler wait until one is registered; close aborts running jobs', async () => {
  const queue = new InProcessQueue();
  queue.enqueue({ kind: 'later', id: 'x', payload: null });
  await sleep(5);
  assert.equal((await queue.status('x'))?.state, 'queued');
  let aborted = false;
  queue.handle('later', async ({ signal }) => {
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    aborted = true;
  });
  await sleep(5);
  assert.equal((await queue.status('x'))?.state, 'running');
  await queue.close();
  assert.ok(aborted, 'close aborted the running job and waited for it');
  await assert.rejects(queue.enqueue({ kind: 'later', id: 'y', payload: null }), /closed/);
});

// The worker's priority: every thread it has, and every thread it starts afterwards, runs at the
// configured nice value (read back from /proc, in a child process so the test runner keeps its own).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const PRIORITY = path.join(__dirname, '..', 'dist', 'priority.js');
const linux = process.platform === 'linux' && existsSync('/proc/self/task');

(linux ? describe : describe.skip)('lowerWorkerPriority', () => {
  it('renices the threads present and the threads started later', () => {
    const script = `
      const { readdirSync, readFileSync } = require('node:fs');
      const { Worker } = require('node:worker_threads');
      const { lowerWorkerPriority } = require(${JSON.stringify(PRIORITY)});
      const nices = () => readdirSync('/proc/self/task').map((t) => Number(readFileSync('/proc/self/task/' + t + '/stat', 'utf8').split(') ')[1].split(' ')[16]));
      const before = Math.max(...nices());
      const reniced = lowerWorkerPriority(7, console);
      const w = new Worker('setTimeout(() => {}, 300)', { eval: true });
      w.once('online', () => { console.log(JSON.stringify({ before, reniced, nices: nices() })); w.terminate(); });
    `;
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const { before, reniced, nices } = JSON.parse(run.stdout) as { before: number; reniced: number; nices: number[] };
    expect(reniced).toBeGreaterThan(1);
    // the worker thread and its helpers started after the call
    expect(nices.length).toBeGreaterThan(reniced);
    // 7, or what the process already ran at when that is lower priority still (a reniced CI shell): never raised
    expect(new Set(nices)).toEqual(new Set([Math.max(7, before)]));
  });
});

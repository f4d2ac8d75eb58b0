// The worker's CPU priority. Linux keeps a nice value per thread and a new thread inherits its
// creator's, so the process renices every thread it has now (main, V8 platform, libuv) and every
// thread started later (codec and parse threads, the wasm inference pool) inherits it. The API on
// the same machine then takes the CPU first while a study arrives; the worker catches up after.
import os from 'node:os';
import { readdirSync } from 'node:fs';

/** Sets `nice` on every thread of this process; returns how many threads were reniced. */
export function lowerWorkerPriority(nice: number, log: { warn(obj: object, msg: string): void }): number {
  if (nice <= 0) return 0;
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
  } catch {
    threads = [0]; // no procfs (not Linux): the calling thread, which the others are started from
  }
  let done = 0;
  for (const tid of threads) {
    try {
      // raising one's own nice needs no privilege; a value below the current one is never asked for
      if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
      done++;
    } catch (e) {
      // a thread that ended meanwhile
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') log.warn({ tid, err: (e as Error).message }, 'could not lower worker thread priority');
    }
  }
  return done;
}

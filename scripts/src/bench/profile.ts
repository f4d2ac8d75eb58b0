// Where the time goes while a benchmark runs, without instrumenting the code under test: the CPU
// seconds each platform process used (from /proc, every thread counted), and what the database's
// backends were doing, sampled from pg_stat_activity (running, or waiting on a lock, on I/O, on
// the client...). A process far below one core per second of wall time is waiting, not computing;
// the wait samples say on what.
import { readFileSync } from 'node:fs';
import { poolSql, type Db } from '@imaging/db';

const CLOCK_TICKS = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number | null {
  try {
    // fields after the command name (which may contain spaces): utime is the 12th, stime the 13th
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

export interface ProcessCpu {
  /** CPU seconds over the window. */
  cpuS: number;
  /** CPU seconds per wall second: 1.0 is one core busy all the time. */
  cores: number;
}

/** Starts counting; the returned function gives CPU seconds per named process since the start. */
export function startCpuMeter(pids: Record<string, number | undefined>): () => Record<string, ProcessCpu> {
  const since = performance.now();
  const start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? null : cpuSeconds(pid)]));
  return () => {
    const wallS = (performance.now() - since) / 1000;
    const out: Record<string, ProcessCpu> = {};
    for (const [name, pid] of Object.entries(pids)) {
      const a = start[name];
      const b = pid === undefined ? null : cpuSeconds(pid);
      if (a === null || b === null) continue;
      out[name] = { cpuS: +(b - a).toFixed(2), cores: +((b - a) / wallS).toFixed(2) };
    }
    return out;
  };
}

export interface WaitProfile {
  samples: number;
  /** Mean number of backends of the database doing something (not idle) per sample. */
  meanActive: number;
  /** Share of active backend samples per activity: "running", or the wait event ("Lock:advisory", "IO:WALSync", "Client:ClientRead"...). */
  shares: Record<string, number>;
}

/** Samples the database's non-idle backends every `everyMs` until the returned function is called. */
export function startWaitSampler(db: Db, everyMs = 10): () => Promise<WaitProfile> {
  const sql = poolSql(db);
  const counts = new Map<string, number>();
  let samples = 0;
  let active = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const rows = await sql.query<{ what: string }>(
        `SELECT CASE WHEN wait_event IS NULL THEN 'running' ELSE wait_event_type || ':' || wait_event END AS what
           FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
            AND state IN ('active', 'idle in transaction')`).catch(() => []);
      samples += 1;
      for (const r of rows) {
        active += 1;
        counts.set(r.what, (counts.get(r.what) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return async () => {
    running = false;
    await loop;
    const shares = Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, +(n / Math.max(active, 1)).toFixed(3)]));
    return { samples, meanActive: +(active / Math.max(samples, 1)).toFixed(2), shares };
  };
}

export function printProfile(cpu: Record<string, ProcessCpu>, waits: WaitProfile): void {
  console.log(`  CPU while accepting: ${Object.entries(cpu).map(([n, c]) => `${n} ${c.cores} cores (${c.cpuS} s)`).join(', ')}`);
  const top = Object.entries(waits.shares).slice(0, 6).map(([k, s]) => `${k} ${(s * 100).toFixed(0)}%`).join(', ');
  console.log(`  Postgres backends busy: ${waits.meanActive} on average; of that: ${top}`);
}

// CPU time of one instance's ingest work (`Instance.ingestCpuMs`): parse + validate + SHA-256 in
// the api, then verify (SHA-256, decode every frame) + compress + check in the preprocess job.
//
// process.cpuUsage() is per process, and the api serves many requests at once, so a delta across
// an `await` that waits for I/O would charge this instance for whatever else ran meanwhile. Only
// CPU-bound sections are measured: synchronous code (no other request's JavaScript runs on the
// thread meanwhile) and codec calls whose awaits wait on computation, never on I/O. A delta can
// still include other threads (GC helpers, libuv's pool writing another request's blob), so each
// section counts min(process CPU, wall time): the work ran on one thread, which cannot use more
// CPU than the wall time it took. Not counted: waits for the store and the database, the
// database's own CPU, and the kernel's work writing the blob.
export class CpuMeter {
  private micros = 0;

  /** Runs a synchronous CPU-bound section and adds its CPU time. */
  measure<T>(work: () => T): T {
    const start = this.start();
    try {
      return work();
    } finally {
      this.stop(start);
    }
  }

  /** Runs an asynchronous section that does no I/O (codecs) and adds its CPU time. */
  async measureAsync<T>(work: () => Promise<T>): Promise<T> {
    const start = this.start();
    try {
      return await work();
    } finally {
      this.stop(start);
    }
  }

  /** Adds CPU measured elsewhere (a worker thread's time on this instance). */
  add(ms: number): void {
    this.micros += Math.max(0, ms) * 1000;
  }

  get ms(): number {
    return Math.round(this.micros / 1000);
  }

  private start() {
    return { cpu: process.cpuUsage(), wallNs: process.hrtime.bigint() };
  }

  private stop(start: { cpu: NodeJS.CpuUsage; wallNs: bigint }) {
    const used = process.cpuUsage(start.cpu);
    const wallMicros = Number(process.hrtime.bigint() - start.wallNs) / 1000;
    this.micros += Math.min(used.user + used.system, wallMicros);
  }
}

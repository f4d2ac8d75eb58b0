// Loads every slice of a series once, a few at a time, always the pending slice nearest the one
// on screen first, and keeps the decoded slices in memory (by SOP Instance UID).
import { fetchSlice, type LoadedSlice, type SeriesRef } from './dicomweb';
import type { InstanceMeta } from './metadata';
import { nearestPending } from './load-order';

export interface LoadProgress { loaded: number; failed: number; total: number }

export class SliceLoader {
  private readonly slices = new Map<string, LoadedSlice>();
  private readonly errors = new Map<string, string>();
  private readonly pending: Set<number>;
  private readonly abort = new AbortController();
  private current = 0;
  private running = 0;

  constructor(
    private readonly series: SeriesRef,
    private readonly instanceUids: string[],
    private readonly meta: Map<string, InstanceMeta>,
    private readonly onChange: (progress: LoadProgress) => void,
    private readonly concurrency = 4,
    /** Slices already loaded elsewhere (the first slice, fetched before the series metadata). */
    seed: LoadedSlice[] = [],
  ) {
    this.pending = new Set(instanceUids.map((_, i) => i));
    for (const slice of seed) {
      const index = instanceUids.indexOf(slice.sopInstanceUid);
      if (index < 0) continue;
      this.slices.set(slice.sopInstanceUid, slice);
      this.pending.delete(index);
    }
  }

  get(sopInstanceUid: string): LoadedSlice | undefined {
    return this.slices.get(sopInstanceUid);
  }

  errorOf(sopInstanceUid: string): string | undefined {
    return this.errors.get(sopInstanceUid);
  }

  progress(): LoadProgress {
    return { loaded: this.slices.size, failed: this.errors.size, total: this.instanceUids.length };
  }

  /** Moves the loading front to `index` (the slice on screen) and starts workers as slots free up. */
  focus(index: number): void {
    this.current = index;
    while (this.running < this.concurrency && this.pending.size) this.startNext();
  }

  dispose(): void {
    this.abort.abort();
    this.pending.clear();
  }

  private startNext(): void {
    const index = nearestPending(this.pending, this.current);
    this.pending.delete(index);
    const sopInstanceUid = this.instanceUids[index];
    this.running++;
    fetchSlice(this.series, this.meta.get(sopInstanceUid), sopInstanceUid, this.abort.signal).then(
      (slice) => { this.slices.set(sopInstanceUid, slice); },
      (error: unknown) => { if (!this.abort.signal.aborted) this.errors.set(sopInstanceUid, error instanceof Error ? error.message : String(error)); },
    ).finally(() => {
      this.running--;
      if (this.abort.signal.aborted) return;
      this.onChange(this.progress());
      this.focus(this.current);
    });
  }
}

// Queue `deidentified-export`: one job per DeidentifiedExport row (the row holds the selection,
// options, progress and report).
import type { Queue } from 'bullmq';

export const DEIDENTIFIED_EXPORT = 'deidentified-export';

export interface DeidentifiedExportJob {
  exportId: string;
  requestId: string | null;
}

export async function addDeidentifiedExportJob(queue: Queue<DeidentifiedExportJob>, payload: DeidentifiedExportJob): Promise<void> {
  // one attempt: a crash leaves the row FAILED (the failed handler) and the admin starts another
  await queue.add(DEIDENTIFIED_EXPORT, payload, { jobId: `export-${payload.exportId}`, attempts: 1, removeOnComplete: 1000, removeOnFail: 1000 });
}

// Queue `model-upload`: one job per ModelUpload row (the row holds the outcome; the staged
// archive lies under MODEL_DIR/.uploads/<id>.zip).
import type { Queue } from 'bullmq';

export const MODEL_UPLOAD = 'model-upload';

export interface ModelUploadJob {
  uploadId: string;
  requestId: string | null;
}

export async function addModelUploadJob(queue: Queue<ModelUploadJob>, payload: ModelUploadJob): Promise<void> {
  // validation and evaluation take a minute of compute; a refusal is final, so one attempt
  await queue.add(MODEL_UPLOAD, payload, { jobId: `upload-${payload.uploadId}`, attempts: 1, removeOnComplete: 100, removeOnFail: 100 });
}

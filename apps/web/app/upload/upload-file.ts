// One DICOM file to POST /api/instances with XMLHttpRequest (fetch has no upload progress),
// answered in plain words.

export type UploadStatus = 'queued' | 'uploading' | 'processing' | 'stored' | 'duplicate' | 'conflict' | 'failed';

export interface UploadOutcome { status: Exclude<UploadStatus, 'queued' | 'uploading' | 'processing'>; message: string; sopInstanceUid: string | null }

interface IngestResult { status: 'stored' | 'duplicate' | 'conflict' | 'failed'; sopInstanceUid?: string | null; error?: { code: string; message: string } | null }
interface IngestResponse { results?: IngestResult[]; error?: { code: string; message: string } }

const STATUS_WORDS: Record<IngestResult['status'], string> = {
  stored: 'Stored',
  duplicate: 'Identical to a file already stored; nothing changed',
  conflict: 'Not kept: a different file with the same SOP Instance UID is already stored',
  failed: 'Not stored',
};

function fromHttpStatus(status: number, body: IngestResponse | null): UploadOutcome {
  const detail = body?.error?.message;
  const words: Record<number, string> = {
    401: 'Your session has ended: sign in again, then retry',
    403: 'Your role may not upload images',
    413: 'The file is larger than the server accepts',
    415: 'The server does not accept this kind of file',
  };
  const lead = words[status] ?? `The server answered with status ${status}`;
  return { status: 'failed', message: detail ? `${lead} (${detail})` : lead, sopInstanceUid: null };
}

export function outcomeOf(status: number, responseText: string): UploadOutcome {
  let body: IngestResponse | null;
  try { body = JSON.parse(responseText) as IngestResponse; } catch { body = null; }
  const result = body?.results?.[0];
  if (!result) return fromHttpStatus(status, body);
  const words = STATUS_WORDS[result.status];
  const message = result.error && result.status !== 'conflict' ? `${words}: ${result.error.message}` : words;
  return { status: result.status, message, sopInstanceUid: result.sopInstanceUid ?? null };
}

export function uploadFile(file: File, onProgress: (loadedBytes: number) => void, onSent: () => void): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/instances');
    xhr.setRequestHeader('content-type', 'application/dicom');
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => onProgress(e.lengthComputable ? e.loaded : 0);
    xhr.upload.onload = () => { onProgress(file.size); onSent(); };
    xhr.onload = () => resolve(outcomeOf(xhr.status, xhr.responseText));
    xhr.onerror = () => resolve({ status: 'failed', message: 'The upload did not reach the server (network error); check the connection and retry', sopInstanceUid: null });
    xhr.onabort = () => resolve({ status: 'failed', message: 'Upload cancelled', sopInstanceUid: null });
    xhr.send(file);
  });
}

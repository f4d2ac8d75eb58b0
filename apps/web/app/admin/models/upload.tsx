'use client';
// Upload of a model package (a zip of manifest.json, model.json and its weight shards): the file
// goes to POST /api/models, then the validation job is followed until the package is a CANDIDATE
// or refused with its reason code.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { formatBytes, gql, plainMessage } from '../../../lib/graphql';
import { EVALUATION_FIELDS } from './evaluation';

interface Upload { id: string; state: string; fileName: string; sizeBytes: number; modelName: string | null; version: string | null; errorCode: string | null; error: string | null }

const STEP: Record<string, string> = {
  QUEUED: 'Queued for validation…',
  VALIDATING: 'Unpacking and checking the package…',
  EVALUATING: 'Loaded; evaluating on the held-out sets…',
  SUCCEEDED: 'Registered as a candidate.',
  FAILED: 'Refused.',
};

export function ModelUploadForm({ onDone }: { onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [upload, setUpload] = useState<Upload | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!upload || upload.state === 'SUCCEEDED' || upload.state === 'FAILED') return;
    const timer = setInterval(() => {
      gql<{ modelUpload: Upload }>(`query($id: ID!) { modelUpload(id: $id) { id state fileName sizeBytes modelName version errorCode error ${EVALUATION_FIELDS} } }`, { id: upload.id })
        .then((r) => {
          setUpload(r.modelUpload);
          if (r.modelUpload.state === 'SUCCEEDED') onDone();
        })
        .catch((e: Error) => setError(e.message));
    }, 1000);
    return () => clearInterval(timer);
  }, [upload, onDone]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const file = input.current?.files?.[0];
    if (!file) return;
    setBusy(true);
    setError(null);
    setUpload(null);
    try {
      const res = await fetch(`/api/models?name=${encodeURIComponent(file.name)}`, { method: 'POST', headers: { 'content-type': 'application/zip' }, credentials: 'same-origin', body: file });
      const body = (await res.json().catch(() => ({}))) as { id?: string; state?: string; error?: { code: string; message: string } };
      if (!res.ok || !body.id) {
        setError(body.error ? plainMessage(body.error.code, body.error.message) : `The server answered with status ${res.status}.`);
        return;
      }
      setUpload({ id: body.id, state: body.state ?? 'QUEUED', fileName: file.name, sizeBytes: file.size, modelName: null, version: null, errorCode: null, error: null });
    } catch {
      setError('The server cannot be reached. Check your connection and try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={(e) => void submit(e)} data-testid="model-upload-form">
      <h2>Upload a model package</h2>
      <p className="muted">A zip of manifest.json (input size, window, spacing, labels, output, declared input domain), model.json and its weight shards
        (TensorFlow.js layers or graph model). It is validated, evaluated against the active model on the held-out sets and becomes a candidate behind the same gate.</p>
      <input ref={input} type="file" accept=".zip,application/zip" data-testid="model-upload-file" required />
      <button type="submit" disabled={busy} data-testid="model-upload-submit">{busy ? 'Uploading…' : 'Upload'}</button>
      {error && <p className="error" role="alert" data-testid="model-upload-error">{error}</p>}
      {upload && (
        <p role="status" data-testid="model-upload-status" data-state={upload.state} data-code={upload.errorCode ?? ''} className={upload.state === 'FAILED' ? 'error' : ''}>
          {upload.fileName} ({formatBytes(upload.sizeBytes)}): {STEP[upload.state] ?? upload.state}
          {upload.version && <> Version <strong data-testid="model-upload-version">{upload.version}</strong>.</>}
          {upload.state === 'FAILED' && <> <code>{upload.errorCode}</code>: {upload.error}</>}
        </p>
      )}
    </form>
  );
}

'use client';
// Upload DICOM files or whole folders: drag and drop or pick; each file goes up on its own
// request (three at a time) so each gets its own progress bar and its own result.
import { useCallback, useEffect, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import Link from 'next/link';
import { formatBytes } from '../../lib/graphql';
import { RequirePermission } from '../../lib/session';
import { filesFromDrop, filesFromInput, isOsClutter, type PickedFile } from './collect-files';
import { uploadFile, type UploadStatus } from './upload-file';

const PARALLEL_UPLOADS = 3;

interface UploadItem { id: number; path: string; sizeBytes: number; loadedBytes: number; status: UploadStatus; message: string; sopInstanceUid: string | null }

const STATUS_LABEL: Record<UploadStatus, string> = {
  queued: 'Waiting', uploading: 'Uploading', processing: 'Checking', stored: 'Stored', duplicate: 'Already stored', conflict: 'Conflict', failed: 'Failed',
};
const DONE: ReadonlySet<UploadStatus> = new Set(['stored', 'duplicate', 'conflict', 'failed']);

export default function UploadPage() {
  return <RequirePermission permission="instance:write"><Uploader /></RequirePermission>;
}

function Uploader() {
  const [items, setItems] = useState<UploadItem[]>([]);
  const [dragging, setDragging] = useState(false);
  const [skipped, setSkipped] = useState(0);
  const files = useRef(new Map<number, File>());
  const nextId = useRef(1);
  const running = useRef(0);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  // React has no typed prop for folder picking; the attribute is what browsers read.
  useEffect(() => { folderInput.current?.setAttribute('webkitdirectory', ''); }, []);

  const update = useCallback((id: number, patch: Partial<UploadItem>) => {
    setItems((all) => all.map((item) => (item.id === id ? { ...item, ...patch } : item)));
  }, []);

  const pump = useCallback(() => {
    while (running.current < PARALLEL_UPLOADS && files.current.size > 0) {
      const [id, file] = files.current.entries().next().value as [number, File];
      files.current.delete(id);
      running.current += 1;
      update(id, { status: 'uploading' });
      void uploadFile(file, (loadedBytes) => update(id, { loadedBytes }), () => update(id, { status: 'processing' }))
        .then((outcome) => {
          update(id, { ...outcome, loadedBytes: file.size });
          running.current -= 1;
          pump();
        });
    }
  }, [update]);

  const add = useCallback((picked: PickedFile[]) => {
    const wanted = picked.filter((p) => !isOsClutter(p.path));
    setSkipped((n) => n + picked.length - wanted.length);
    const added: UploadItem[] = wanted.map((p) => {
      const id = nextId.current++;
      files.current.set(id, p.file);
      return { id, path: p.path, sizeBytes: p.file.size, loadedBytes: 0, status: 'queued', message: '', sopInstanceUid: null };
    });
    setItems((all) => [...all, ...added]);
    pump();
  }, [pump]);

  const onDrop = async (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    add(await filesFromDrop(e.dataTransfer));
  };
  const onZoneKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); fileInput.current?.click(); }
  };
  const clearFinished = () => setItems((all) => all.filter((i) => !DONE.has(i.status)));

  const totalBytes = items.reduce((n, i) => n + i.sizeBytes, 0);
  const sentBytes = items.reduce((n, i) => n + i.loadedBytes, 0);
  const count = (s: UploadStatus) => items.filter((i) => i.status === s).length;
  const done = items.filter((i) => DONE.has(i.status)).length;
  const allDone = items.length > 0 && done === items.length;
  const percent = totalBytes > 0 ? Math.round((sentBytes / totalBytes) * 100) : (allDone ? 100 : 0);

  return (
    <>
      <h1>Upload DICOM files</h1>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        role="button" tabIndex={0} aria-describedby="dropzone-help" data-testid="dropzone"
        onKeyDown={onZoneKey} onClick={() => fileInput.current?.click()}
        onDragOver={(e) => { e.preventDefault(); setDragging(true); }} onDragLeave={() => setDragging(false)} onDrop={onDrop}
      >
        <strong>Drop DICOM files or folders here</strong>
        <span id="dropzone-help" className="muted">or press Enter to choose files. Each file is checked and stored on its own; nothing is lost if one fails.</span>
      </div>
      <p className="pick">
        <label className="button secondary">Choose files
          <input ref={fileInput} type="file" multiple className="visually-hidden" onChange={(e) => { add(filesFromInput(e.target.files)); e.target.value = ''; }} data-testid="upload-input" />
        </label>
        <label className="button secondary">Choose a folder
          <input ref={folderInput} type="file" multiple className="visually-hidden" onChange={(e) => { add(filesFromInput(e.target.files)); e.target.value = ''; }} data-testid="upload-folder-input" />
        </label>
      </p>
      {items.length > 0 && (
        <section className="card" aria-label="Upload progress" data-testid="upload-panel">
          <label className="overall">
            <span>Overall: <span data-testid="upload-summary" data-done={allDone ? 'true' : 'false'}>
              {done} of {items.length} files done · {count('stored')} stored · {count('duplicate')} already stored · {count('conflict') + count('failed')} not stored
            </span> · {formatBytes(sentBytes)} of {formatBytes(totalBytes)} sent</span>
            <progress max={100} value={percent} data-testid="upload-overall">{percent}%</progress>
          </label>
          {skipped > 0 && <p className="muted" data-testid="upload-skipped">{skipped} system file(s) such as .DS_Store were skipped.</p>}
          <p>
            <button type="button" className="secondary" onClick={clearFinished} disabled={done === 0} data-testid="upload-clear">Clear finished</button>{' '}
            {allDone && <Link href="/" data-testid="upload-to-studies">Go to the studies list</Link>}
          </p>
          <div className="table-wrap">
            <table data-testid="upload-table">
              <thead><tr><th>File</th><th className="num">Size</th><th>Progress</th><th>Result</th></tr></thead>
              <tbody>
                {items.map((item) => (
                  <tr key={item.id} data-testid="upload-row" data-status={item.status}>
                    <td className="uid" data-testid="upload-file-name">{item.path}</td>
                    <td className="num nowrap">{formatBytes(item.sizeBytes)}</td>
                    <td><progress max={item.sizeBytes || 1} value={item.loadedBytes} aria-label={`Upload of ${item.path}`} data-testid="upload-file-progress" /></td>
                    <td data-testid="upload-result">
                      <span className={`badge status-${item.status}`} data-testid="upload-status">{STATUS_LABEL[item.status]}</span>{' '}
                      {item.message && item.message !== STATUS_LABEL[item.status] && <span data-testid="upload-message">{item.message}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}

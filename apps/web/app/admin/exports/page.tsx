'use client';
// De-identified research exports (admins): pick studies, a research project (one key per project:
// the same patient gets the same pseudonym in all its exports), the PS3.15 options and the
// destination (a downloadable zip or a remote AE); start, then watch progress. Instances with
// burned-in annotation are refused by the server and listed here.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorText, formatBytes, gql } from '../../../lib/graphql';
import { RequirePermission } from '../../../lib/session';

interface StudyRow { studyInstanceUid: string; studyDate: string | null; description: string | null; numberOfInstances: number; patient: { patientId: string; patientName: string | null } }
interface RemoteAe { aeTitle: string }
interface ExportRow {
  id: string; state: 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED'; project: string; studyInstanceUids: string[]; destination: 'ARCHIVE' | 'REMOTE_AE'; remoteAeTitle: string | null;
  retainLongitudinalTemporal: boolean; cleanDescriptors: boolean; total: number; processed: number; exported: number; refused: number; failed: number;
  refusedInstances: { sopInstanceUid: string; reason: string }[]; failedInstances: { sopInstanceUid: string; code: string; reason: string }[]; archiveUrl: string | null; archiveBytes: number | null; error: string | null; errorCode: string | null; createdAt: string;
}

const EXPORT_FIELDS = `id state project studyInstanceUids destination remoteAeTitle retainLongitudinalTemporal cleanDescriptors total processed exported refused failed
  refusedInstances { sopInstanceUid reason } failedInstances { sopInstanceUid code reason } archiveUrl archiveBytes error errorCode createdAt`;
const STUDIES = `query { studies(first: 100, sort: CREATED_AT, direction: DESC) { nodes { studyInstanceUid studyDate description numberOfInstances patient { patientId patientName } } } }`;

export default function ExportsPage() {
  return <RequirePermission permission="export:deidentified"><Exports /></RequirePermission>;
}

function Exports() {
  const [studies, setStudies] = useState<StudyRow[] | null>(null);
  const [aes, setAes] = useState<RemoteAe[]>([]);
  const [exports, setExports] = useState<ExportRow[] | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [project, setProject] = useState('');
  const [retainDates, setRetainDates] = useState(false);
  const [cleanDescriptors, setCleanDescriptors] = useState(false);
  const [destination, setDestination] = useState<'ARCHIVE' | 'REMOTE_AE'>('ARCHIVE');
  const [remoteAeTitle, setRemoteAeTitle] = useState('');
  const [error, setError] = useState<string | null>(null);

  const loadExports = useCallback(async () => {
    try {
      setExports((await gql<{ deidentifiedExports: ExportRow[] }>(`{ deidentifiedExports { ${EXPORT_FIELDS} } }`)).deidentifiedExports);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => {
    gql<{ studies: { nodes: StudyRow[] } }>(STUDIES).then((d) => setStudies(d.studies.nodes), (e) => setError(errorText(e)));
    gql<{ remoteAeDestinations: RemoteAe[] }>('{ remoteAeDestinations { aeTitle } }').then((d) => setAes(d.remoteAeDestinations), () => setAes([]));
    void loadExports();
  }, [loadExports]);
  // follow running exports
  const busy = exports?.some((x) => x.state === 'QUEUED' || x.state === 'RUNNING');
  useEffect(() => {
    if (!busy) return undefined;
    const timer = setInterval(() => void loadExports(), 1000);
    return () => clearInterval(timer);
  }, [busy, loadExports]);

  const toggle = (uid: string) => setSelected((s) => {
    const next = new Set(s);
    if (next.has(uid)) next.delete(uid); else next.add(uid);
    return next;
  });
  const start = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await gql(`mutation($i: StartDeidentifiedExportInput!) { startDeidentifiedExport(input: $i) { id } }`, {
        i: {
          studyInstanceUids: [...selected], project, destination, remoteAeTitle: destination === 'REMOTE_AE' ? remoteAeTitle : null,
          options: { retainLongitudinalTemporal: retainDates, cleanDescriptors },
        },
      });
      setSelected(new Set());
      await loadExports();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <>
      <h1>De-identified exports</h1>
      <p className="muted">PS3.15 Annex E Basic Application Level Confidentiality Profile. One key per research project: a patient keeps one pseudonym and a study its UIDs across the project&apos;s exports. Instances with burned-in annotation are not exported and are listed.</p>
      <form className="card" onSubmit={start} aria-label="Start a de-identified export" data-testid="export-form">
        <h2>Studies</h2>
        {!studies && !error && <p className="muted" data-testid="export-studies-loading">Loading studies…</p>}
        {studies?.length === 0 && <p className="muted">No studies stored yet.</p>}
        {studies && studies.length > 0 && (
          <div className="table-wrap">
            <table data-testid="export-studies">
              <thead><tr><th /><th>Patient</th><th>Study date</th><th>Description</th><th className="num">Images</th></tr></thead>
              <tbody>
                {studies.map((s) => (
                  <tr key={s.studyInstanceUid} data-testid="export-study" data-uid={s.studyInstanceUid}>
                    <td><input type="checkbox" checked={selected.has(s.studyInstanceUid)} onChange={() => toggle(s.studyInstanceUid)} aria-label={`Select study ${s.studyInstanceUid}`} data-testid="export-study-select" /></td>
                    <td>{s.patient.patientName || '(no name)'} <span className="muted">{s.patient.patientId}</span></td>
                    <td className="nowrap">{s.studyDate ?? '?'}</td><td>{s.description || '—'}</td><td className="num">{s.numberOfInstances}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div className="filters">
          <label>Research project<input required maxLength={64} value={project} onChange={(e) => setProject(e.target.value)} placeholder="Lung nodules 2026" data-testid="export-project" /></label>
          <label><input type="checkbox" checked={retainDates} onChange={(e) => setRetainDates(e.target.checked)} data-testid="export-retain-dates" /> Retain longitudinal temporal information (modified dates)</label>
          <label><input type="checkbox" checked={cleanDescriptors} onChange={(e) => setCleanDescriptors(e.target.checked)} data-testid="export-clean-descriptors" /> Clean descriptors</label>
          <label>Destination
            <select value={destination} onChange={(e) => setDestination(e.target.value as 'ARCHIVE' | 'REMOTE_AE')} data-testid="export-destination">
              <option value="ARCHIVE">Zip archive (download)</option>
              <option value="REMOTE_AE" disabled={aes.length === 0}>Remote AE (C-STORE)</option>
            </select>
          </label>
          {destination === 'REMOTE_AE' && (
            <label>Remote AE
              <select required value={remoteAeTitle} onChange={(e) => setRemoteAeTitle(e.target.value)} data-testid="export-remote-ae">
                <option value="">choose…</option>
                {aes.map((a) => <option key={a.aeTitle} value={a.aeTitle}>{a.aeTitle}</option>)}
              </select>
            </label>
          )}
        </div>
        <div className="actions">
          <button type="submit" disabled={selected.size === 0} data-testid="export-start">Start export of {selected.size} stud{selected.size === 1 ? 'y' : 'ies'}</button>
        </div>
      </form>
      {error && <p className="error" role="alert" data-testid="error">{error}</p>}
      <h2>Exports</h2>
      {exports?.length === 0 && <p className="muted" data-testid="exports-empty">No exports yet.</p>}
      {exports && exports.length > 0 && (
        <div className="table-wrap">
          <table data-testid="exports-table">
            <thead><tr><th>Started</th><th>Project</th><th>Studies</th><th>Destination</th><th>State</th><th>Progress</th><th>Refused (burned-in)</th><th>Result</th></tr></thead>
            <tbody>
              {exports.map((x) => (
                <tr key={x.id} data-testid="export-row" data-id={x.id} data-state={x.state}>
                  <td className="nowrap">{new Date(x.createdAt).toLocaleString()}</td>
                  <td>{x.project}</td><td className="num">{x.studyInstanceUids.length}</td>
                  <td>{x.destination === 'ARCHIVE' ? 'archive' : <code>{x.remoteAeTitle}</code>}</td>
                  <td><span className={`badge ${x.state === 'DONE' ? 'ok' : x.state === 'FAILED' ? 'bad' : ''}`} data-testid="export-state">{x.state.toLowerCase()}</span></td>
                  <td className="nowrap" data-testid="export-progress">
                    <progress max={Math.max(1, x.total)} value={x.processed} /> {x.processed} / {x.total} ({x.exported} exported{x.failed ? `, ${x.failed} failed` : ''})
                    {x.failedInstances.length > 0 && (
                      <details data-testid="export-failed"><summary>why failed</summary><ul>
                        {x.failedInstances.map((f) => <li key={f.sopInstanceUid}><span className="uid">{f.sopInstanceUid}</span> {f.code}: {f.reason}</li>)}
                      </ul></details>
                    )}
                  </td>
                  <td data-testid="export-refused">
                    {x.refused}
                    {x.refusedInstances.length > 0 && <details><summary>list</summary><ul>{x.refusedInstances.map((r) => <li key={r.sopInstanceUid} className="uid">{r.sopInstanceUid}</li>)}</ul></details>}
                  </td>
                  <td>
                    {x.archiveUrl && <a href={x.archiveUrl} download data-testid="export-download">Download zip ({formatBytes(x.archiveBytes ?? 0)})</a>}
                    {x.state === 'DONE' && x.destination === 'REMOTE_AE' && <span className="ok">sent</span>}
                    {x.error && <span className="error-inline" data-testid="export-error">{x.errorCode}: {x.error}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

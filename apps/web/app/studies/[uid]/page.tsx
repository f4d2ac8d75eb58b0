'use client';
// Study detail: patient and study header, then each series with its viewer and instances table.
import Link from 'next/link';
import { use, useEffect, useState } from 'react';
import { errorText, formatBytes, gql, settleGraphQL } from '../../../lib/graphql';
import { postGraphQL, STUDY_SLICES_QUERY, takePrefetchedSlices, type SeriesSlices } from '../../../lib/prefetch';
import { Viewer } from './viewer';
import { SendToPacs } from './send-to-pacs';
import { LAYOUTS, LayoutGrid, type LayoutName } from './layout-grid';

interface Instance { sopInstanceUid: string; instanceNumber: number | null; rows: number | null; columns: number | null; transferSyntaxUid: string; sizeBytes: number; storedBytes: number }
interface Series { seriesInstanceUid: string; modality: string | null; seriesNumber: number | null; description: string | null; numberOfInstances: number; instances: Instance[] }
interface Study {
  studyInstanceUid: string; studyDate: string | null; accessionNumber: string | null; description: string | null; sizeBytes: number; storedBytes: number;
  numberOfSeries: number; numberOfInstances: number; modalities: string[];
  patient: { patientId: string; patientName: string | null; sex: string | null; birthDate: string | null };
  series: Series[];
  processing: { state: string; series: { seriesInstanceUid: string; state: string; error: string | null; stages: { name: string; durationMs: number; items: number }[] }[] };
  aiResults: { seriesInstanceUid: string; label: string; score: number; modelVersion: string; findings: { lesionCount: number; totalVolumeMl: number } }[];
  cost: { currency: string; total: number; storagePerMonth: number; stages: { name: string; wallMs: number; cpuSeconds: number | null; cost: number }[] };
}

const QUERY = `query($uid: String!) { study(studyInstanceUid: $uid) {
  studyInstanceUid studyDate accessionNumber description sizeBytes storedBytes numberOfSeries numberOfInstances modalities
  patient { patientId patientName sex birthDate }
  series { seriesInstanceUid modality seriesNumber description numberOfInstances
    instances { sopInstanceUid instanceNumber rows columns transferSyntaxUid sizeBytes storedBytes } }
  processing { state series { seriesInstanceUid state error stages { name durationMs items } } }
  aiResults { seriesInstanceUid label score modelVersion findings { lesionCount totalVolumeMl } }
  cost { currency total storagePerMonth stages { name wallMs cpuSeconds cost } } } }`;

/** DICOM DA (YYYYMMDD) as YYYY-MM-DD; anything else unchanged. */
function dicomDate(value: string | null): string {
  if (!value) return '?';
  return /^\d{8}$/.test(value) ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}` : value;
}

export default function StudyPage({ params }: { params: Promise<{ uid: string }> }) {
  const { uid } = use(params);
  const [study, setStudy] = useState<Study | null>(null);
  // the series' slices come first (a light query, asked for by the document itself when it could):
  // the viewers start on them while the rest of the study is still on its way
  const [slices, setSlices] = useState<SeriesSlices[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [layout, setLayout] = useState<LayoutName>('1x1');
  useEffect(() => {
    const studyUid = decodeURIComponent(uid);
    let live = true;
    settleGraphQL<{ study: { series: SeriesSlices[] } }>(takePrefetchedSlices(studyUid) ?? postGraphQL(STUDY_SLICES_QUERY, { uid: studyUid }))
      .then((d) => { if (live) setSlices(d.study.series); }, () => undefined);
    return () => { live = false; };
  }, [uid]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => gql<{ study: Study }>(QUERY, { uid: decodeURIComponent(uid) }).then((d) => {
      setStudy(d.study);
      // follow the AI processing until it settles
      if (['QUEUED', 'RUNNING'].includes(d.study.processing.state)) timer = setTimeout(load, 2000);
    }, (e) => setError(errorText(e)));
    void load();
    return () => clearTimeout(timer);
  }, [uid]);
  const back = <p><Link href="/" data-testid="back-to-studies">← All studies</Link></p>;
  if (error) return <>{back}<p className="error" role="alert" data-testid="study-error">{error}</p></>;
  if (!study && !slices) return <p className="muted page-state" data-testid="study-loading">Loading study…</p>;
  const series = slices ?? study?.series ?? [];
  // the series with pixels, for the multi-viewer layouts' pickers
  const viewable = series.filter((s) => s.instances.some((i) => i.rows)).map((s, n) => {
    const details = study?.series.find((d) => d.seriesInstanceUid === s.seriesInstanceUid);
    const label = details ? `Series ${details.seriesNumber ?? '?'} · ${details.modality ?? ''} · ${details.description || 'no description'}` : `Series ${n + 1}`;
    return { seriesInstanceUid: s.seriesInstanceUid, label, instanceUids: s.instances.map((i) => i.sopInstanceUid) };
  });
  return (
    <>
      {back}
      {study ? <StudyHeader study={study} /> : <p className="muted page-state" data-testid="study-loading">Loading study…</p>}
      {viewable.length > 0 && (
        <div className="layout-choice" role="group" aria-label="viewer layout">
          {(Object.keys(LAYOUTS) as LayoutName[]).map((l) => (
            <button key={l} type="button" className={l === layout ? undefined : 'secondary'} aria-pressed={l === layout}
              data-testid={`layout-${l}`} onClick={() => setLayout(l)}>{l}</button>
          ))}
        </div>
      )}
      {layout !== '1x1' && viewable.length > 0 && <LayoutGrid studyUid={decodeURIComponent(uid)} series={viewable} layout={layout} />}
      {series.map((s) => {
        const details = study?.series.find((d) => d.seriesInstanceUid === s.seriesInstanceUid);
        return (
          <section key={s.seriesInstanceUid} className="card" data-testid="series" aria-label={`Series ${details?.seriesNumber ?? ''}`}>
            {details && <h2>Series {details.seriesNumber ?? '?'} · {details.modality ?? ''} · {details.description || 'no description'} <span className="muted">({details.numberOfInstances} images)</span></h2>}
            {layout === '1x1' && s.instances.some((i) => i.rows) && (
              <Viewer studyUid={decodeURIComponent(uid)} seriesUid={s.seriesInstanceUid} instanceUids={s.instances.map((i) => i.sopInstanceUid)} />
            )}
            {details && <InstancesTable series={details} />}
          </section>
        );
      })}
    </>
  );
}

function StudyHeader({ study }: { study: Study }) {
  return (
    <>
      <h1 data-testid="study-title">{study.patient.patientName || '(no name)'} — {study.description || 'Study'}</h1>
      <dl className="card facts" data-testid="study-facts">
        <div><dt>Patient ID</dt><dd>{study.patient.patientId}</dd></div>
        <div><dt>Sex</dt><dd>{study.patient.sex || '?'}</dd></div>
        <div><dt>Born</dt><dd>{dicomDate(study.patient.birthDate)}</dd></div>
        <div><dt>Study date</dt><dd>{study.studyDate ?? '?'}</dd></div>
        <div><dt>Accession</dt><dd>{study.accessionNumber || '—'}</dd></div>
        <div><dt>Modalities</dt><dd>{study.modalities.join(', ') || '?'}</dd></div>
        <div><dt>Series / images</dt><dd data-testid="study-counts">{study.numberOfSeries} / {study.numberOfInstances}</dd></div>
        <div><dt>Size</dt><dd>{formatBytes(study.sizeBytes)} received, {formatBytes(study.storedBytes)} stored</dd></div>
        <div className="wide"><dt>Study Instance UID</dt><dd className="uid">{study.studyInstanceUid}</dd></div>
      </dl>
      <SendToPacs studyUid={study.studyInstanceUid} />
      <div className="card" data-testid="ai-processing" data-state={study.processing.state}>
        <h2>AI analysis: <span className="badge" data-testid="processing-state">{study.processing.state.toLowerCase()}</span></h2>
        {study.processing.series.map((p) => {
          const result = study.aiResults.find((r) => r.seriesInstanceUid === p.seriesInstanceUid);
          return (
            <p key={p.seriesInstanceUid} data-testid="series-processing">
              Series …{p.seriesInstanceUid.slice(-8)}: {p.state.toLowerCase()}{p.error ? ` — ${p.error}` : ''}
              {p.stages.map((st) => ` · ${st.name} ${(st.durationMs / 1000).toFixed(1)} s`).join('')}
              {result && <> · <span className={`badge ${result.label === 'lesion' ? 'bad' : 'good'}`} data-testid="ai-result-label">{result.label}</span> {Math.round(result.score * 100)} %, {result.findings.lesionCount} lesion(s), {result.findings.totalVolumeMl.toFixed(1)} mL (model {result.modelVersion})</>}
            </p>
          );
        })}
        {study.processing.series.length === 0 && <p className="muted">Not analysed (nothing scheduled yet).</p>}
        <p className="muted" data-testid="study-cost">
          Cost: {study.cost.stages.map((st) => `${st.name} ${(st.wallMs / 1000).toFixed(1)} s${st.cpuSeconds != null ? ` (${st.cpuSeconds.toFixed(1)} CPU-s)` : ''} ${st.cost.toFixed(5)}`).join(' · ')}
          {' '}= {study.cost.total.toFixed(5)} {study.cost.currency}; storage {study.cost.storagePerMonth.toFixed(6)} {study.cost.currency}/month
        </p>
      </div>
    </>
  );
}

function InstancesTable({ series }: { series: Series }) {
  return (
    <div className="table-wrap">
      <table data-testid="instances-table">
        <thead><tr><th className="num">#</th><th>SOP Instance UID</th><th className="num">Matrix</th><th className="num">Size</th><th className="num">Stored</th><th>Transfer syntax</th></tr></thead>
        <tbody>
          {series.instances.map((i) => (
            <tr key={i.sopInstanceUid} data-testid="instance-row">
              <td className="num">{i.instanceNumber ?? ''}</td><td className="uid">{i.sopInstanceUid}</td>
              <td className="num nowrap">{i.rows ?? '?'}×{i.columns ?? '?'}</td><td className="num nowrap">{formatBytes(i.sizeBytes)}</td>
              <td className="num nowrap">{formatBytes(i.storedBytes)}</td><td className="uid">{i.transferSyntaxUid}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

'use client';
import { use, useEffect, useState } from 'react';
import { gql, formatBytes } from '../../../lib/graphql';
import { Viewer } from './viewer';

interface Study {
  studyInstanceUid: string; studyDate: string | null; accessionNumber: string | null; description: string | null; sizeBytes: number; storedBytes: number;
  patient: { patientId: string; patientName: string | null; sex: string | null; birthDate: string | null };
  series: { seriesInstanceUid: string; modality: string | null; seriesNumber: number | null; description: string | null;
    instances: { sopInstanceUid: string; instanceNumber: number | null; rows: number | null; columns: number | null; transferSyntaxUid: string; sizeBytes: number }[] }[];
}

export default function StudyPage({ params }: { params: Promise<{ uid: string }> }) {
  const { uid } = use(params);
  const [study, setStudy] = useState<Study | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    gql<{ study: Study }>(`query($uid: String!) { study(studyInstanceUid: $uid) {
      studyInstanceUid studyDate accessionNumber description sizeBytes storedBytes patient { patientId patientName sex birthDate }
      series { seriesInstanceUid modality seriesNumber description instances { sopInstanceUid instanceNumber rows columns transferSyntaxUid sizeBytes } } } }`,
    { uid: decodeURIComponent(uid) }).then((d) => setStudy(d.study), (e: Error) => setError(e.message));
  }, [uid]);
  if (error) return <p className="error" role="alert">{error}</p>;
  if (!study) return <p className="muted">Loading…</p>;
  return (
    <>
      <h1 data-testid="study-title">{study.patient.patientName ?? '(no name)'} — {study.description ?? 'Study'}</h1>
      <div className="card">
        <p>Patient ID {study.patient.patientId} · sex {study.patient.sex ?? '?'} · born {study.patient.birthDate ?? '?'}</p>
        <p>Study date {study.studyDate ?? '?'} · accession {study.accessionNumber ?? '—'} · {formatBytes(study.sizeBytes)} received, {formatBytes(study.storedBytes)} stored</p>
        <p className="muted">Study Instance UID {study.studyInstanceUid}</p>
      </div>
      {study.series.map((s) => (
        <section key={s.seriesInstanceUid} className="card" data-testid="series">
          <h2>Series {s.seriesNumber ?? '?'} · {s.modality ?? ''} · {s.description ?? ''} ({s.instances.length} images)</h2>
          {s.instances.some((i) => i.rows) && (
            <Viewer studyUid={study.studyInstanceUid} seriesUid={s.seriesInstanceUid} instanceUids={s.instances.map((i) => i.sopInstanceUid)} />
          )}
          <table>
            <thead><tr><th>#</th><th>SOP Instance UID</th><th>Size</th><th>Matrix</th><th>Transfer syntax</th></tr></thead>
            <tbody>
              {s.instances.map((i) => (
                <tr key={i.sopInstanceUid} data-testid="instance-row">
                  <td>{i.instanceNumber ?? ''}</td><td>{i.sopInstanceUid}</td><td>{formatBytes(i.sizeBytes)}</td>
                  <td>{i.rows ?? '?'}×{i.columns ?? '?'}</td><td>{i.transferSyntaxUid}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </>
  );
}

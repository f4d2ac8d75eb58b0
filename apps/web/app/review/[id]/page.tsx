'use client';
// Reviewing one case: the series in a Cornerstone3D stack viewport with the annotation versions
// as labelmaps (the AI's and each reader's; an editable correction for the reader who claimed it)
// and the measurement tools, the AI's findings, earlier decisions (with their measurements) where
// the reader may see them, and the decision form: approve, correct (edited labelmap + label) or
// reject (with a reason); the measurements on screen go with any decision.
import Link from 'next/link';
import { use, useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { StackViewer, type StackViewerHandle, type VersionLayer } from '../../../components/cornerstone/StackViewer';
import { errorText, gql } from '../../../lib/graphql';
import { describeMeasurement, type MeasurementInput } from '../../../lib/measurements';
import { DETAIL_FIELDS, formatAge, STATE_WORDS, type TaskDetail } from '../../../lib/review';
import { useSession } from '../../../lib/session';

interface Finding { volumeMl: number; sliceRange: number[] }
interface AiResult {
  seriesInstanceUid: string; label: string; score: number; modelVersion: string; variant: string; backend: string;
  /** OUT_OF_DOMAIN: the series is outside what the model was trained on; it gives no label. */
  status: string; domainReasonCode: string | null; domainReason: string | null;
  findings: { lesionCount: number; totalVolumeMl: number; lesions: Finding[] } }

const TASK_QUERY = `query($id: ID!) { reviewTask(id: $id) { ${DETAIL_FIELDS} } }`;
const SERIES_QUERY = `query($study: String!, $series: String!) {
  series(seriesInstanceUid: $series) { instances { sopInstanceUid instanceNumber } }
  study(studyInstanceUid: $study) { aiResults { seriesInstanceUid label score modelVersion variant backend status domainReasonCode domainReason findings { lesionCount totalVolumeMl lesions { volumeMl sliceRange } } } }
}`;
const SUBMIT = `mutation($input: SubmitReviewInput!) { submitReview(input: $input) { ${DETAIL_FIELDS} } }`;

type Decision = 'APPROVE' | 'CORRECT' | 'REJECT';

export default function ReviewPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = use(params);
  const { viewer } = useSession();
  const [task, setTask] = useState<TaskDetail | null>(null);
  const [slices, setSlices] = useState<string[]>([]);
  const [ai, setAi] = useState<AiResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [decision, setDecision] = useState<Decision>('APPROVE');
  const [label, setLabel] = useState('lesion');
  const [comment, setComment] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [edited, setEdited] = useState(0);
  const [measurements, setMeasurements] = useState<MeasurementInput[]>([]);
  const viewerRef = useRef<StackViewerHandle>(null);

  const load = useCallback(async () => {
    try {
      let t = (await gql<{ reviewTask: TaskDetail }>(TASK_QUERY, { id })).reviewTask;
      if (t.state === 'ASSIGNED' && t.assigneeId === viewer?.id) {
        t = (await gql<{ startReview: TaskDetail }>(`mutation($id: ID!) { startReview(id: $id) { ${DETAIL_FIELDS} } }`, { id })).startReview;
      }
      setTask(t);
      setLabel(t.aiLabel === 'lesion' ? 'none' : 'lesion');
      const s = await gql<{ series: { instances: { sopInstanceUid: string; instanceNumber: number | null }[] }; study: { aiResults: AiResult[] } }>(
        SERIES_QUERY, { study: t.studyInstanceUid, series: t.seriesInstanceUid });
      setSlices([...s.series.instances].sort((a, b) => (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0)).map((i) => i.sopInstanceUid));
      const result = s.study.aiResults.find((r) => r.seriesInstanceUid === t.seriesInstanceUid) ?? null;
      setAi(result);
      if (result?.status === 'OUT_OF_DOMAIN') setDecision('CORRECT');
    } catch (e) {
      setError(errorText(e));
    }
  }, [id, viewer?.id]);
  useEffect(() => { void load(); }, [load]);

  const mine = !!task && task.assigneeId === viewer?.id && ['IN_PROGRESS', 'SECOND_READ'].includes(task.state);
  const onEdited = useCallback((slices: number) => {
    setEdited(slices);
    if (slices > 0) setDecision('CORRECT');
  }, []);
  // one layer per annotation version the reader may see; a new list only when the versions change
  const versionKey = task?.annotationVersions.map((v) => v.version).join(',') ?? '';
  const versions = useMemo<VersionLayer[]>(() => (task?.annotationVersions ?? []).map((v) => ({
    version: v.version, title: `v${v.version} ${v.source === 'READER' ? (v.authorName ?? 'reader') : v.source === 'AI' ? 'AI' : 'imported'}`,
  })), [versionKey]);
  const review = useMemo(() => ({ versions, editable: mine, measure: true, onEdited, onMeasurements: setMeasurements }), [versions, mine, onEdited]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!task) return;
    setSubmitting(true);
    setError(null);
    try {
      const input: Record<string, unknown> = { taskId: task.id, decision, comment: comment.trim() || null };
      if (decision === 'CORRECT') {
        input.label = label;
        input.masks = viewerRef.current?.editedMasks() ?? [];
      }
      const measured = viewerRef.current?.measurements() ?? [];
      if (measured.length) input.measurements = measured;
      const r = await gql<{ submitReview: TaskDetail }>(SUBMIT, { input });
      setTask(r.submitReview);
      setEdited(0);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSubmitting(false);
    }
  };

  const back = <p><Link href="/worklist" data-testid="back-to-worklist">← Worklist</Link></p>;
  if (error && !task) return <>{back}<p className="error" role="alert" data-testid="review-error">{error}</p></>;
  if (!task) return <p className="muted page-state" data-testid="review-loading">Loading case…</p>;
  return (
    <>
      {back}
      <h1 data-testid="review-title">{task.patientName || '(no name)'} — {task.studyDescription || 'Study'}</h1>
      <div className="review-layout">
        <section className="review-image" aria-label="Images">
          {slices.length > 0 && (
            <StackViewer studyUid={task.studyInstanceUid} seriesUid={task.seriesInstanceUid} instanceUids={slices} review={review} handle={viewerRef} />
          )}
        </section>
        <aside className="review-side">
          <div className="card" data-testid="task-facts">
            <p><span className="badge" data-testid="task-state">{STATE_WORDS[task.state]}</span> {task.urgent && <span className="badge bad">urgent</span>}</p>
            <p className="muted">Patient {task.patientId} · {task.modality} · {task.slices} images · waiting {formatAge(task.ageSeconds)}</p>
            {task.assigneeName && <p>Reader: {task.assigneeName}</p>}
            {task.secondReadRequired && <p data-testid="second-read-reason">Second read: {task.secondReadReason}</p>}
            {task.disagreement != null && <p data-testid="disagreement">Readers {task.disagreement ? 'disagreed' : 'agreed'}</p>}
          </div>
          <div className="card" data-testid="ai-findings">
            <h2>AI result</h2>
            {ai?.status === 'OUT_OF_DOMAIN' ? (
              <div className="ood-banner" role="alert" data-testid="ai-out-of-domain">
                <p><span className="badge warn">out of domain</span> <strong>The AI did not read this series</strong>: it is outside what the model was trained on ({ai.domainReasonCode}). Read it without AI help; there is no AI result to approve.</p>
                <p className="muted">{ai.domainReason}</p>
                <p className="muted">model {ai.modelVersion} ({ai.variant})</p>
              </div>
            ) : ai ? (
              <>
                <p><span className={`badge ${ai.label === 'lesion' ? 'bad' : 'good'}`} data-testid="ai-label">{ai.label}</span> score {Math.round(ai.score * 100)} %</p>
                <p>{ai.findings.lesionCount} lesion{ai.findings.lesionCount === 1 ? '' : 's'}, {ai.findings.totalVolumeMl.toFixed(1)} mL in total</p>
                <ul>{ai.findings.lesions.slice(0, 5).map((l, i) => <li key={i}>{l.volumeMl.toFixed(1)} mL, slices {l.sliceRange[0] + 1}–{l.sliceRange[1] + 1}</li>)}</ul>
                <p className="muted">model {ai.modelVersion} ({ai.variant}, {ai.backend})</p>
              </>
            ) : <p className="muted">No AI result for this series.</p>}
          </div>
          <div className="card" data-testid="annotation-versions">
            <h2>Mask versions</h2>
            <p className="muted">Each version is a layer in the viewer (toggle, opacity).</p>
            <ul>
              {task.annotationVersions.map((v) => (
                <li key={v.version} data-testid="annotation-version">
                  v{v.version} · {v.source === 'READER' ? v.authorName : v.source === 'AI' ? 'AI' : 'imported'}{v.label ? ` · ${v.label}` : ''}{' '}
                  <a href={v.segDownloadUrl} download data-testid="download-seg">SEG</a>
                </li>
              ))}
            </ul>
          </div>
          <div className="card" data-testid="measurements">
            <h2>Your measurements</h2>
            {measurements.length === 0 ? <p className="muted">None yet: length, bidirectional, angle, ROI and probe tools in the viewer.</p> : (
              <ol>{measurements.map((m, i) => <li key={i} data-testid="measurement">{describeMeasurement(m)} <span className="muted">(slice {slices.indexOf(m.sopInstanceUid) + 1})</span></li>)}</ol>
            )}
          </div>
          {task.decisions.length > 0 && (
            <div className="card" data-testid="decisions">
              <h2>Decisions</h2>
              <ol>{task.decisions.map((d) => (
                <li key={d.read}>
                  <span data-testid="decision">{d.read === 1 ? 'First' : 'Second'} read by {d.readerName}: {d.decision.toLowerCase()}{d.label ? ` (${d.label})` : ''}{d.comment ? ` — “${d.comment}”` : ''}</span>
                  {d.measurements.length > 0 && (
                    <ul>{d.measurements.map((m, i) => <li key={i} data-testid="decision-measurement">{describeMeasurement(m)} <span className="muted">(slice {slices.indexOf(m.sopInstanceUid) + 1})</span></li>)}</ul>
                  )}
                </li>
              ))}</ol>
            </div>
          )}
          {mine ? (
            <form className="card decision-form" onSubmit={submit} data-testid="decision-form">
              <h2>{task.state === 'SECOND_READ' ? 'Second read' : 'Your read'}</h2>
              <fieldset>
                <legend className="muted">Decision</legend>
                {(['APPROVE', 'CORRECT', 'REJECT'] as Decision[]).filter((d) => d !== 'APPROVE' || ai?.status !== 'OUT_OF_DOMAIN').map((d) => (
                  <label key={d} className="inline"><input type="radio" name="decision" value={d} checked={decision === d} onChange={() => setDecision(d)} data-testid={`decision-${d.toLowerCase()}`} /> {d === 'APPROVE' ? 'Approve the AI result' : d === 'CORRECT' ? 'Correct it' : 'Reject it'}</label>
                ))}
              </fieldset>
              {decision === 'CORRECT' && (
                <label>Label
                  <select value={label} onChange={(e) => setLabel(e.target.value)} data-testid="correct-label">
                    <option value="lesion">lesion</option><option value="none">no lesion</option>
                  </select>
                  <span className="muted" data-testid="edited-slices">{edited} slice{edited === 1 ? '' : 's'} with edited mask (paint with the brush tool)</span>
                </label>
              )}
              <label>{decision === 'REJECT' ? 'Reason (required)' : 'Comment'}
                <textarea value={comment} onChange={(e) => setComment(e.target.value)} rows={3} maxLength={2000} data-testid="comment" required={decision === 'REJECT'} />
              </label>
              {error && <p className="error" role="alert" data-testid="submit-error">{error}</p>}
              <button type="submit" disabled={submitting} data-testid="submit-review">{submitting ? 'Submitting…' : 'Submit'}</button>
            </form>
          ) : (
            <p className="muted card" data-testid="read-only">{['FINAL', 'REJECTED', 'CANCELLED'].includes(task.state) ? 'This case is closed.' : 'Claim this case from the worklist to review it.'}</p>
          )}
        </aside>
      </div>
    </>
  );
}

'use client';
// Models and queues: every registered model version with its held-out metrics side by side (per
// weight variant: size, speed, agreement with float32), promotion and rollback, the retraining
// loop (retraining.tsx), upload of a model package (upload.tsx) with each version's held-out
// evaluation drawn (evaluation.tsx), and the depth of each job queue.
import { useCallback, useEffect, useState } from 'react';
import { errorText, formatBytes, gql } from '../../../lib/graphql';
import { RequirePermission } from '../../../lib/session';
import { Retraining } from './retraining';
import { EVALUATION_FIELDS, EvaluationView, type Evaluation } from './evaluation';
import { ModelUploadForm } from './upload';

interface Seg { dice: number; iou: number; precision: number; recall: number }
interface Cls { f1: number; auc: number; precision: number; recall: number }
interface VariantMetrics { throughput?: { batchSize: number; imagesPerSecond: number }[]; agreementWithFloat32?: { maskDice: number; labelAgreement: number }; metrics?: { segmentation?: Seg; classification?: Cls } }
interface ModelVersion {
  id: string; version: string; status: string; inputSize: number; createdAt: string; activatedAt: string | null;
  metrics: { segmentation?: Seg; classification?: Cls; slices?: number };
  artifacts: { variant: string; sizeBytes: number; metrics: VariantMetrics | null }[];
  evaluation: Evaluation | null;
}
interface Queue { name: string; waiting: number; active: number; delayed: number; prioritized: number; failed: number; completed: number }

const QUERY = `{ modelVersions { id version status inputSize createdAt activatedAt metrics artifacts { variant sizeBytes metrics } ${EVALUATION_FIELDS} }
  queues { name waiting active delayed prioritized failed completed } }`;

const pct = (v: number | undefined) => (v === undefined ? '—' : `${(v * 100).toFixed(1)} %`);

export default function ModelsPage() {
  return <RequirePermission permission="model:manage"><Models /></RequirePermission>;
}

function Models() {
  const [data, setData] = useState<{ versions: ModelVersion[]; queues: Queue[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const r = await gql<{ modelVersions: ModelVersion[]; queues: Queue[] }>(QUERY);
      setData({ versions: r.modelVersions, queues: r.queues });
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => clearInterval(timer);
  }, [load]);
  const promote = async (v: ModelVersion) => {
    if (!window.confirm(`Make ${v.version} the active model? Workers switch at their next series.`)) return;
    try {
      await gql('mutation($v: String!) { promoteModelVersion(version: $v) { id } }', { v: v.version });
      setNotice(`${v.version} is now active.`);
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };
  if (!data) return error ? <p className="error" role="alert">{error}</p> : <p className="muted page-state">Loading…</p>;
  return (
    <>
      <h1>Models</h1>
      {error && <p className="error" role="alert" data-testid="error">{error}</p>}
      {notice && <p className="card" role="status" data-testid="model-notice">{notice}</p>}
      <div className="table-wrap">
        <table data-testid="models-table">
          <thead><tr><th>Version</th><th>Status</th><th className="num">Dice</th><th className="num">IoU</th><th className="num">Precision</th><th className="num">Recall</th><th className="num">F1 (slice)</th><th className="num">AUC</th><th>Variants (size, img/s at batch 8, mask agreement)</th><th /></tr></thead>
          <tbody>
            {data.versions.map((v) => (
              <tr key={v.id} data-testid="model-row" data-version={v.version} data-status={v.status}>
                <td>{v.version}<br /><span className="muted">{v.inputSize}² input</span></td>
                <td><span className={`badge ${v.status === 'ACTIVE' ? 'good' : ''}`}>{v.status.toLowerCase()}</span></td>
                <td className="num">{pct(v.metrics.segmentation?.dice)}</td><td className="num">{pct(v.metrics.segmentation?.iou)}</td>
                <td className="num">{pct(v.metrics.segmentation?.precision)}</td><td className="num">{pct(v.metrics.segmentation?.recall)}</td>
                <td className="num">{pct(v.metrics.classification?.f1)}</td><td className="num">{pct(v.metrics.classification?.auc)}</td>
                <td>{v.artifacts.map((a) => {
                  const speed = a.metrics?.throughput?.find((t) => t.batchSize === 8)?.imagesPerSecond;
                  const agree = a.metrics?.agreementWithFloat32?.maskDice;
                  return <div key={a.variant}>{a.variant}: {formatBytes(a.sizeBytes)}{speed ? `, ${speed.toFixed(1)} img/s` : ''}{agree !== undefined ? `, ${pct(agree)}` : ''}</div>;
                })}</td>
                <td>{v.evaluation && <button type="button" className="secondary" onClick={() => setShown(shown === v.version ? null : v.version)} data-testid="model-evaluation-toggle">{shown === v.version ? 'Hide evaluation' : 'Evaluation'}</button>}
                  {v.status !== 'ACTIVE' && <button type="button" className="secondary" onClick={() => void promote(v)} data-testid="model-promote">{v.status === 'RETIRED' ? 'Roll back to' : 'Promote'}</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {(() => {
        const v = data.versions.find((x) => x.version === shown);
        return v?.evaluation ? <EvaluationView version={v.version} evaluation={v.evaluation} /> : null;
      })()}
      <ModelUploadForm onDone={() => void load()} />
      <Retraining versions={data.versions.map((v) => v.version)} onChange={() => void load()} />
      <h2>Queues</h2>
      <div className="table-wrap">
        <table data-testid="queues-table">
          <thead><tr><th>Queue</th><th className="num">Waiting</th><th className="num">Prioritised</th><th className="num">Delayed</th><th className="num">Active</th><th className="num">Failed</th><th className="num">Completed</th></tr></thead>
          <tbody>{data.queues.map((q) => <tr key={q.name} data-testid="queue-row"><td>{q.name}</td><td className="num">{q.waiting}</td><td className="num">{q.prioritized}</td><td className="num">{q.delayed}</td><td className="num">{q.active}</td><td className="num">{q.failed}</td><td className="num">{q.completed}</td></tr>)}</tbody>
        </table>
      </div>
      <p className="muted">Prometheus metrics: api /metrics, worker :9464/metrics (dashboard in infra/grafana).</p>
    </>
  );
}

'use client';
// Costs: the budget tier of today against the daily ceiling, cost and compute time per day,
// recent studies per stage, the speed / cost trade-off of the model variants as they ran, queue
// depths and waiting times, and the latest budget decisions.
import { useCallback, useEffect, useState } from 'react';
import { errorText, gql } from '../../../lib/graphql';
import { RequirePermission } from '../../../lib/session';
import { FrontierPlot, Scatter, StackedBars, formatAmount } from './charts';
import styles from './costs.module.css';

interface Decision {
  id: string; createdAt: string; seriesInstanceUid: string | null; urgent: boolean; tier: string; variant: string; batchSize: number;
  priority: number; deferredUntil: string | null; spentToday: number; reason: string;
}
interface Budget { currency: string; ceilingPerDay: number | null; spentToday: number; share: number | null; tier: string; variant: string; batchSize: number; reason: string; decisions: Decision[] }
interface Day { day: string; studies: number; series: number; slices: number; cpuSeconds: number; gpuSeconds: number; computeCost: number; transferCost: number; storageCost: number; total: number }
interface RecentStudy { studyInstanceUid: string; description: string | null; createdAt: string; stages: { name: string; wallMs: number; cost: number }[]; total: number }
interface Variant { variant: string; backend: string; series: number; slices: number; slicesPerSecond: number | null; costPerThousandSlices: number | null; agreementWithFloat32: number | null }
interface Queue { name: string; waiting: number; active: number; delayed: number; failed: number; oldestWaitingMs: number | null; meanWaitMs: number | null }
interface FrontierPoint { variant: string; dice: number; imagesPerSecond: number; batchSize: number; costPerStudy: number; measuredIn: string; onFrontier: boolean }
interface Report { currency: string; days: Day[]; recentStudies: RecentStudy[]; variants: Variant[]; frontier: FrontierPoint[]; queues: Queue[] }

const QUERY = `query($days: Int) {
  budget { currency ceilingPerDay spentToday share tier variant batchSize reason
    decisions(first: 15) { id createdAt seriesInstanceUid urgent tier variant batchSize priority deferredUntil spentToday reason } }
  costReport(days: $days) { currency
    days { day studies series slices cpuSeconds gpuSeconds computeCost transferCost storageCost total }
    recentStudies { studyInstanceUid description createdAt stages { name wallMs cost } total }
    variants { variant backend series slices slicesPerSecond costPerThousandSlices agreementWithFloat32 }
    frontier { variant dice imagesPerSecond batchSize costPerStudy measuredIn onFrontier }
    queues { name waiting active delayed failed oldestWaitingMs meanWaitMs } } }`;

const STAGES = ['ingest', 'preprocess', 'inference', 'transfer', 'review wait', 'review'];

function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export default function CostsPage() {
  return <RequirePermission permission="model:manage"><Costs /></RequirePermission>;
}

function Costs() {
  const [days, setDays] = useState(14);
  const [data, setData] = useState<{ budget: Budget; report: Report } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const r = await gql<{ budget: Budget; costReport: Report }>(QUERY, { days });
      setData({ budget: r.budget, report: r.costReport });
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [days]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 10_000);
    return () => clearInterval(timer);
  }, [load]);
  if (!data) return error ? <p className="error" role="alert">{error}</p> : <p className="muted page-state">Loading…</p>;
  const { budget, report } = data;
  const money = (v: number) => `${formatAmount(v)} ${report.currency}`;
  return (
    <>
      <h1>Costs</h1>
      {error && <p className="error" role="alert" data-testid="error">{error}</p>}
      <BudgetBanner budget={budget} />

      <div className={`filters ${styles.section}`}>
        <label>Days <select value={days} onChange={(e) => setDays(Number(e.target.value))} data-testid="costs-days">
          {[7, 14, 30, 90].map((d) => <option key={d} value={d}>{d}</option>)}
        </select></label>
      </div>
      <div className={styles.grid2}>
        <div className="card">
          <h2>Cost per day ({report.currency})</h2>
          <StackedBars testId="chart-cost" unit={report.currency}
            segments={[{ key: 'compute', label: 'compute', color: '#0b5fff' }, { key: 'transfer', label: 'bytes sent', color: '#e39a4f' }, { key: 'storage', label: 'storage', color: '#1e7b34' }]}
            data={report.days.map((d) => ({
              label: d.day, values: { compute: d.computeCost, transfer: d.transferCost, storage: d.storageCost },
              title: `${d.day}: ${money(d.total)} (compute ${money(d.computeCost)}, sent ${money(d.transferCost)}, storage ${money(d.storageCost)})`,
            }))} />
        </div>
        <div className="card">
          <h2>Compute time per day (s)</h2>
          <StackedBars testId="chart-time" unit="seconds"
            segments={[{ key: 'cpu', label: 'CPU', color: '#5b6470' }, { key: 'gpu', label: 'GPU', color: '#8a3ffc' }]}
            data={report.days.map((d) => ({
              label: d.day, values: { cpu: d.cpuSeconds, gpu: d.gpuSeconds },
              title: `${d.day}: ${d.cpuSeconds.toFixed(1)} CPU-s, ${d.gpuSeconds.toFixed(1)} GPU-s; ${d.studies} studies, ${d.series} series, ${d.slices} slices`,
            }))} />
        </div>
      </div>

      <section className={styles.section}>
        <h2>Recent studies: time and cost per stage</h2>
        <div className="table-wrap">
          <table data-testid="recent-studies">
            <thead><tr><th>Study</th><th>Stored</th>{STAGES.map((s) => <th key={s} className="num">{s}</th>)}<th className="num">Cost</th></tr></thead>
            <tbody>
              {report.recentStudies.map((st) => (
                <tr key={st.studyInstanceUid} data-testid="recent-study-row">
                  <td>{st.description ?? '—'}<br /><span className="uid">{st.studyInstanceUid}</span></td>
                  <td className="nowrap">{new Date(st.createdAt).toLocaleString()}</td>
                  {STAGES.map((name) => {
                    const stage = st.stages.find((x) => x.name === name);
                    return <td key={name} className="num" data-stage={name}>{stage ? (name === 'transfer' ? money(stage.cost) : duration(stage.wallMs)) : '—'}</td>;
                  })}
                  <td className="num" data-testid="recent-study-total">{money(st.total)}</td>
                </tr>
              ))}
              {report.recentStudies.length === 0 && <tr><td colSpan={STAGES.length + 3} className="muted">No studies yet.</td></tr>}
            </tbody>
          </table>
        </div>
      </section>

      <div className={styles.grid2}>
        <div className="card">
          <h2>Model variants: speed against cost</h2>
          {report.variants.length === 0 ? <p className="muted" data-testid="variants-empty">No inference runs in this period.</p> : (
            <Scatter testId="chart-variants" xLabel={`${report.currency} per 1000 slices`} yLabel="slices / s"
              points={report.variants.filter((v) => v.costPerThousandSlices !== null && v.slicesPerSecond !== null).map((v) => ({
                label: `${v.variant} (${v.backend})`, x: v.costPerThousandSlices!, y: v.slicesPerSecond!,
                detail: `${v.variant} on ${v.backend}: ${v.slicesPerSecond!.toFixed(1)} slices/s, ${money(v.costPerThousandSlices!)} per 1000 slices`,
              }))} />
          )}
        </div>
        <div className="card">
          <h2>Queues</h2>
          <div className="table-wrap">
            <table data-testid="cost-queues">
              <thead><tr><th>Queue</th><th className="num">Waiting</th><th className="num">Active</th><th className="num">Delayed</th><th className="num">Failed</th><th className="num">Oldest</th><th className="num">Mean wait</th></tr></thead>
              <tbody>{report.queues.map((q) => (
                <tr key={q.name} data-testid="cost-queue-row" data-queue={q.name}>
                  <td>{q.name}</td><td className="num">{q.waiting}</td><td className="num">{q.active}</td><td className="num">{q.delayed}</td><td className="num">{q.failed}</td>
                  <td className="num">{duration(q.oldestWaitingMs)}</td><td className="num">{duration(q.meanWaitMs)}</td>
                </tr>
              ))}</tbody>
            </table>
          </div>
          <p className="muted">Mean wait: infer jobs, last arrival of a series to the start of its run, over the last day.</p>
        </div>
      </div>

      <section className={`card ${styles.section}`}>
        <h2>Measured frontier: cost per study against Dice</h2>
        {report.frontier.length === 0 ? <p className="muted" data-testid="frontier-empty">The active version has no benchmarked variants.</p> : (
          <>
            <div style={{ maxWidth: 720 }}><FrontierPlot testId="chart-frontier" xLabel={`${report.currency} per 100-slice study (compute)`} yLabel="held-out Dice"
              points={report.frontier.map((f) => ({
                label: f.variant, cost: f.costPerStudy, quality: f.dice, onFrontier: f.onFrontier,
                detail: `${f.variant}: Dice ${f.dice.toFixed(3)}, ${f.imagesPerSecond.toFixed(1)} img/s at batch ${f.batchSize}, ${money(f.costPerStudy)} per study`,
              }))} /></div>
            <p className="muted">Speeds from the active version&apos;s benchmark (one wasm thread; float32 as measured beside the student where it was); Dice on the held-out phantom series. Joined: the variants no other one beats on both.</p>
          </>
        )}
      </section>

      <section className={styles.section}>
        <h2>Model variants as they ran</h2>
        <div className="table-wrap">
          <table data-testid="variants-table">
            <thead><tr><th>Variant</th><th>Backend</th><th className="num">Series</th><th className="num">Slices</th><th className="num">Slices/s</th><th className="num">Cost per 1000 slices</th><th className="num">Mask agreement with float32</th></tr></thead>
            <tbody>{report.variants.map((v) => (
              <tr key={`${v.variant}/${v.backend}`} data-testid="variant-row" data-variant={v.variant}>
                <td>{v.variant}</td><td>{v.backend}</td><td className="num">{v.series}</td><td className="num">{v.slices}</td>
                <td className="num">{v.slicesPerSecond?.toFixed(1) ?? '—'}</td>
                <td className="num">{v.costPerThousandSlices === null ? '—' : money(v.costPerThousandSlices)}</td>
                <td className="num">{v.agreementWithFloat32 === null ? '—' : `${(v.agreementWithFloat32 * 100).toFixed(2)} %`}</td>
              </tr>
            ))}</tbody>
          </table>
        </div>
      </section>

      <section className={styles.section}>
        <h2>Latest budget decisions</h2>
        <div className="table-wrap">
          <table data-testid="budget-decisions">
            <thead><tr><th>When</th><th>Series</th><th>Tier</th><th>Variant</th><th className="num">Batch</th><th className="num">Priority</th><th>Reason</th></tr></thead>
            <tbody>
              {budget.decisions.map((d) => (
                <tr key={d.id} data-testid="budget-decision-row" data-tier={d.tier}>
                  <td className="nowrap">{new Date(d.createdAt).toLocaleString()}</td>
                  <td><span className="uid">{d.seriesInstanceUid ?? '—'}</span>{d.urgent && <> <span className="badge">urgent</span></>}</td>
                  <td>{d.tier}{d.deferredUntil && <><br /><span className="muted">until {new Date(d.deferredUntil).toLocaleString()}</span></>}</td>
                  <td>{d.variant}</td><td className="num">{d.batchSize}</td><td className="num">{d.priority}</td><td>{d.reason}</td>
                </tr>
              ))}
              {budget.decisions.length === 0 && <tr><td colSpan={7} className="muted">No decisions yet.</td></tr>}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function BudgetBanner({ budget }: { budget: Budget }) {
  const money = (v: number) => `${formatAmount(v)} ${budget.currency}`;
  return (
    <div className={`card ${styles.banner}`} data-testid="budget-banner" data-tier={budget.tier} role="status">
      <span className={styles.tier} data-testid="budget-tier">{budget.tier}</span>
      <span data-testid="budget-spend">
        {budget.ceilingPerDay === null
          ? `${money(budget.spentToday)} spent today; no daily ceiling`
          : `${money(budget.spentToday)} of ${money(budget.ceilingPerDay)} spent today (${((budget.share ?? 0) * 100).toFixed(1)} %)`}
      </span>
      {budget.share !== null && <span className={styles.meter} aria-hidden="true"><span style={{ width: `${Math.min(100, budget.share * 100)}%` }} /></span>}
      <span className="muted" data-testid="budget-reason">{budget.reason}</span>
    </div>
  );
}

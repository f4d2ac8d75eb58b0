'use client';
// The retraining loop on the Models page: labelled-case sets frozen from FINAL reviews, starting
// a fine-tuning run, its live loss curve and progress, the evaluation gate's verdict (active vs
// candidate on the same held-out sets), and two versions compared side by side.
import { useCallback, useEffect, useState } from 'react';
import { errorText, gql } from '../../../lib/graphql';

interface Count { key: string; count: number }
interface CaseSet { id: string; version: number; rejectedPolicy: string; cases: number; slices: number; lesionSlices: number; train: number; heldOut: number; excluded: number; byLabel: Count[]; bySource: Count[]; createdAt: string }
interface GateRow { set: string; metric: string; base: number | null; candidate: number | null; delta: number | null; allowed: number | null; worse: boolean }
interface Run {
  id: string; state: string; caseSetVersion: number; baseVersion: string; plannedVersion: string; candidateVersion: string | null; backend: string | null;
  step: number; steps: number; losses: { step: number; loss: number }[]; error: string | null; createdAt: string; finishedAt: string | null;
  gate: { passed: boolean; tolerance: number; reasons: string[]; sets: { name: string; slices: number; lesionSlices: number }[]; rows: GateRow[] } | null;
}
interface Compared { metric: string; a: number | null; b: number | null; delta: number | null }

const RUN = `id state caseSetVersion baseVersion plannedVersion candidateVersion backend step steps losses { step loss } error createdAt finishedAt
  gate { passed tolerance reasons sets { name slices lesionSlices } rows { set metric base candidate delta allowed worse } }`;
const QUERY = `{ labelledCaseSets { id version rejectedPolicy cases slices lesionSlices train heldOut excluded byLabel { key count } bySource { key count } createdAt }
  trainingRuns(first: 10) { ${RUN} } }`;
const LIVE = new Set(['QUEUED', 'RUNNING']);

const num = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits));
const counts = (c: Count[]) => c.map((x) => `${x.key} ${x.count}`).join(', ');

/** Loss per step as an SVG line; the y axis spans the curve's own range. */
export function LossChart({ points, steps }: { points: { step: number; loss: number }[]; steps: number }) {
  const w = 480, h = 160, pad = 30;
  if (points.length === 0) return <p className="muted" data-testid="loss-chart-empty">No steps yet.</p>;
  const losses = points.map((p) => p.loss);
  const lo = Math.min(...losses), hi = Math.max(...losses);
  const x = (s: number) => pad + ((w - 2 * pad) * s) / Math.max(1, steps);
  const y = (l: number) => h - pad - ((h - 2 * pad) * (l - lo)) / Math.max(1e-9, hi - lo);
  return (
    <svg width={w} height={h} role="img" aria-label={`training loss over ${points.length} recorded steps`} data-testid="loss-chart" className="chart">
      <line x1={pad} y1={h - pad} x2={w - pad} y2={h - pad} stroke="currentColor" strokeOpacity={0.4} />
      <line x1={pad} y1={pad} x2={pad} y2={h - pad} stroke="currentColor" strokeOpacity={0.4} />
      <polyline fill="none" stroke="#2563eb" strokeWidth={2} points={points.map((p) => `${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' ')} data-testid="loss-line" />
      <text x={pad - 4} y={pad + 4} textAnchor="end" fontSize={10}>{hi.toFixed(2)}</text>
      <text x={pad - 4} y={h - pad} textAnchor="end" fontSize={10}>{lo.toFixed(2)}</text>
      <text x={w - pad} y={h - pad + 14} textAnchor="end" fontSize={10}>step {steps}</text>
      <text x={pad} y={h - pad + 14} fontSize={10}>0</text>
    </svg>
  );
}

/** Paired bars per metric (a grey, b blue), values 0–1. */
function CompareChart({ rows, a, b }: { rows: Compared[]; a: string; b: string }) {
  const w = 640, h = 180, pad = 28, band = (w - 2 * pad) / rows.length;
  const bar = (v: number | null) => (h - 2 * pad) * (v ?? 0);
  return (
    <svg width={w} height={h + 40} role="img" aria-label={`metrics of ${a} and ${b}`} data-testid="compare-chart" className="chart">
      {rows.map((r, i) => (
        <g key={r.metric}>
          <rect x={pad + i * band + 4} y={h - pad - bar(r.a)} width={band / 2 - 5} height={bar(r.a)} fill="#9ca3af"><title>{`${a} ${r.metric} ${num(r.a)}`}</title></rect>
          <rect x={pad + i * band + band / 2} y={h - pad - bar(r.b)} width={band / 2 - 5} height={bar(r.b)} fill="#2563eb"><title>{`${b} ${r.metric} ${num(r.b)}`}</title></rect>
          <text x={pad + i * band + band / 2} y={h - pad + 12} fontSize={9} textAnchor="end" transform={`rotate(-35 ${pad + i * band + band / 2} ${h - pad + 12})`}>{r.metric}</text>
        </g>
      ))}
      <line x1={pad} y1={h - pad} x2={w - pad} y2={h - pad} stroke="currentColor" strokeOpacity={0.4} />
      <text x={w - pad} y={14} textAnchor="end" fontSize={11}><tspan fill="#6b7280">■ {a}</tspan> <tspan fill="#2563eb">■ {b}</tspan></text>
    </svg>
  );
}

export function Retraining({ versions, onChange }: { versions: string[]; onChange: () => void }) {
  const [sets, setSets] = useState<CaseSet[]>([]);
  const [runs, setRuns] = useState<Run[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [steps, setSteps] = useState('300');
  const [policy, setPolicy] = useState('exclude');
  const [compare, setCompare] = useState<{ a: string; b: string; rows: Compared[] } | null>(null);
  const [pick, setPick] = useState<{ a: string; b: string }>({ a: '', b: '' });

  const load = useCallback(async () => {
    try {
      const r = await gql<{ labelledCaseSets: CaseSet[]; trainingRuns: Run[] }>(QUERY);
      setSets(r.labelledCaseSets);
      setRuns((previous) => {
        // a run that just finished registered a candidate: refresh the versions table too
        if (previous.some((p) => LIVE.has(p.state) && r.trainingRuns.find((n) => n.id === p.id && !LIVE.has(n.state)))) onChange();
        return r.trainingRuns;
      });
    } catch (e) {
      setError(errorText(e));
    }
  }, [onChange]);
  const live = runs.some((r) => LIVE.has(r.state));
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), live ? 1000 : 5000);
    return () => clearInterval(timer);
  }, [load, live]);

  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try { await work(); await load(); } catch (e) { setError(errorText(e)); }
  };
  const build = () => act(() => gql('mutation($p: String) { buildLabelledCaseSet(rejectedPolicy: $p) { id } }', { p: policy }));
  const start = () => act(() => gql('mutation($s: Int) { startRetrain(steps: $s) { id } }', { s: Number(steps) }));
  const runCompare = () => act(async () => {
    const r = await gql<{ compareModelVersions: { metrics: Compared[] } }>('query($a: String!, $b: String!) { compareModelVersions(a: $a, b: $b) { metrics { metric a b delta } } }', pick);
    setCompare({ ...pick, rows: r.compareModelVersions.metrics });
  });
  const latest = runs[0];

  return (
    <section data-testid="retraining">
      <h2>Retraining</h2>
      {error && <p className="error" role="alert" data-testid="retrain-error">{error}</p>}
      <div className="toolbar">
        <label>Rejected reviews <select value={policy} onChange={(e) => setPolicy(e.target.value)} data-testid="caseset-policy"><option value="exclude">excluded</option><option value="negative">as negatives</option></select></label>
        <button type="button" className="secondary" onClick={() => void build()} data-testid="caseset-build">Build case set from reviews</button>
        <label>Steps <input type="number" min={1} max={100000} value={steps} onChange={(e) => setSteps(e.target.value)} data-testid="retrain-steps" style={{ width: '6em' }} /></label>
        <button type="button" onClick={() => void start()} disabled={live} data-testid="retrain-start">Retrain on the newest case set</button>
      </div>
      <div className="table-wrap">
        <table data-testid="casesets-table">
          <thead><tr><th>Set</th><th className="num">Cases</th><th className="num">Slices</th><th className="num">Lesion slices</th><th className="num">Train / held out</th><th>By label</th><th>By source</th><th>Rejected</th></tr></thead>
          <tbody>{sets.map((s) => (
            <tr key={s.id} data-testid="caseset-row">
              <td>v{s.version}<br /><span className="muted">{new Date(s.createdAt).toLocaleString()}</span></td>
              <td className="num">{s.cases}</td><td className="num">{s.slices}</td><td className="num">{s.lesionSlices}</td>
              <td className="num">{s.train} / {s.heldOut}</td><td>{counts(s.byLabel)}</td><td>{counts(s.bySource)}</td>
              <td>{s.rejectedPolicy === 'exclude' ? `${s.excluded} excluded` : 'as negatives'}</td>
            </tr>
          ))}</tbody>
        </table>
      </div>
      {sets.length === 0 && <p className="muted">No case set yet: FINAL reviews become labelled cases when a set is built.</p>}

      {latest && (
        <div className="card" data-testid="run-latest" data-state={latest.state}>
          <h3>Run {latest.plannedVersion}: fine-tuning {latest.baseVersion} on case set v{latest.caseSetVersion}</h3>
          <p>
            <span className={`badge ${latest.state === 'SUCCEEDED' ? 'good' : latest.state === 'FAILED' ? 'bad' : ''}`} data-testid="run-state">{latest.state.toLowerCase()}</span>{' '}
            step <span data-testid="run-step">{latest.step}</span> / {latest.steps}{latest.backend ? ` on ${latest.backend}` : ''}
            {latest.losses.length > 0 && <> · loss {latest.losses[latest.losses.length - 1].loss.toFixed(3)}</>}
          </p>
          <progress max={latest.steps} value={latest.step} aria-label="training progress" />
          <LossChart points={latest.losses} steps={latest.steps} />
          {latest.error && <p className="error" role="alert">{latest.error}</p>}
          {latest.gate && (
            <div data-testid="gate" data-passed={String(latest.gate.passed)}>
              <h4>Evaluation gate: {latest.gate.passed ? 'passed' : 'refused'} (tolerance {latest.gate.tolerance}, or two standard errors where the held-out set is smaller)</h4>
              <p className="muted">Held out: {latest.gate.sets.map((s) => `${s.name} ${s.slices} slices (${s.lesionSlices} with lesion)`).join('; ')}.</p>
              {latest.gate.reasons.length > 0 && <ul data-testid="gate-reasons">{latest.gate.reasons.map((r) => <li key={r}>{r}</li>)}</ul>}
              <div className="table-wrap">
                <table data-testid="gate-table">
                  <thead><tr><th>Set</th><th>Metric</th><th className="num">{latest.baseVersion}</th><th className="num">{latest.plannedVersion}</th><th className="num">Δ</th><th className="num">Allowed drop</th></tr></thead>
                  <tbody>{latest.gate.rows.map((r) => (
                    <tr key={`${r.set}-${r.metric}`} className={r.worse ? 'row-bad' : undefined} data-testid="gate-row" data-worse={String(r.worse)}>
                      <td>{r.set}</td><td>{r.metric}</td><td className="num">{num(r.base)}</td><td className="num">{num(r.candidate)}</td>
                      <td className="num">{r.delta === null ? '—' : `${r.delta >= 0 ? '+' : ''}${r.delta.toFixed(3)}`}</td><td className="num">{num(r.allowed)}</td>
                    </tr>
                  ))}</tbody>
                </table>
              </div>
            </div>
          )}
        </div>
      )}
      {runs.length > 1 && (
        <div className="table-wrap">
          <table data-testid="runs-table">
            <thead><tr><th>Run</th><th>State</th><th>Base</th><th className="num">Steps</th><th>Gate</th><th>Finished</th></tr></thead>
            <tbody>{runs.slice(1).map((r) => (
              <tr key={r.id}><td>{r.plannedVersion}</td><td>{r.state.toLowerCase()}</td><td>{r.baseVersion}</td><td className="num">{r.step} / {r.steps}</td>
                <td>{r.gate ? (r.gate.passed ? 'passed' : `refused (${r.gate.reasons.length})`) : '—'}</td><td>{r.finishedAt ? new Date(r.finishedAt).toLocaleString() : '—'}</td></tr>
            ))}</tbody>
          </table>
        </div>
      )}

      <h3>Compare versions</h3>
      <div className="toolbar">
        <select value={pick.a} onChange={(e) => setPick({ ...pick, a: e.target.value })} data-testid="compare-a" aria-label="first version"><option value="">version…</option>{versions.map((v) => <option key={v}>{v}</option>)}</select>
        <select value={pick.b} onChange={(e) => setPick({ ...pick, b: e.target.value })} data-testid="compare-b" aria-label="second version"><option value="">version…</option>{versions.map((v) => <option key={v}>{v}</option>)}</select>
        <button type="button" className="secondary" disabled={!pick.a || !pick.b} onClick={() => void runCompare()} data-testid="compare-run">Compare</button>
      </div>
      {compare && (
        <>
          <CompareChart rows={compare.rows} a={compare.a} b={compare.b} />
          <div className="table-wrap">
            <table data-testid="compare-table">
              <thead><tr><th>Metric</th><th className="num">{compare.a}</th><th className="num">{compare.b}</th><th className="num">Δ</th></tr></thead>
              <tbody>{compare.rows.map((r) => <tr key={r.metric}><td>{r.metric}</td><td className="num">{num(r.a)}</td><td className="num">{num(r.b)}</td><td className="num">{num(r.delta)}</td></tr>)}</tbody>
            </table>
          </div>
          <p className="muted">Each version&apos;s own recorded held-out metrics; a candidate and its base on the same held-out set are in the run&apos;s gate table.</p>
        </>
      )}
    </section>
  );
}

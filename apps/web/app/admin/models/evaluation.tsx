// A version's held-out evaluation drawn for a reader: per set (phantom, reviewed, imported SEG
// truth) the ROC and precision–recall curves of the slice lesion score, the confusion matrix at
// the operating threshold and the reliability (calibration) diagram. Plain SVG, like the cost
// page's charts.
import type { ReactNode } from 'react';
import styles from '../costs/costs.module.css';

export interface EvaluationSet {
  name: string; slices: number; lesionSlices: number;
  candidate: Record<string, number | null>; base: Record<string, number | null> | null;
  auc: number | null; averagePrecision: number | null; ece: number | null; brier: number | null;
  roc: { threshold: number | null; fpr: number | null; tpr: number | null }[];
  pr: { threshold: number; precision: number | null; recall: number | null }[];
  confusion: { threshold: number; labels: string[]; matrix: number[][] };
  reliability: { lower: number; upper: number; count: number; meanPredicted: number | null; observed: number | null }[];
}
export interface Evaluation { gatePassed: boolean | null; gateReasons: string[]; sets: EvaluationSet[] }

export const EVALUATION_FIELDS = `evaluation { gatePassed gateReasons sets { name slices lesionSlices candidate base auc averagePrecision ece brier
  roc { threshold fpr tpr } pr { threshold precision recall } confusion { threshold labels matrix } reliability { lower upper count meanPredicted observed } } }`;

const S = 220, PAD = 34;
const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '—' : v.toFixed(digits));
const px = (v: number) => PAD + v * (S - PAD - 8);
const py = (v: number) => S - PAD - v * (S - PAD - 8);

function UnitSquare({ title, xLabel, yLabel, testId, children }: { title: string; xLabel: string; yLabel: string; testId: string; children: ReactNode }) {
  return (
    <figure className={styles.chart}>
      <svg viewBox={`0 0 ${S} ${S}`} role="img" aria-label={title} data-testid={testId}>
        {[0, 0.5, 1].map((t) => (
          <g key={t}>
            <line x1={px(0)} x2={px(1)} y1={py(t)} y2={py(t)} className={styles.grid} />
            <line x1={px(t)} x2={px(t)} y1={py(0)} y2={py(1)} className={styles.grid} />
            <text x={PAD - 4} y={py(t) + 4} textAnchor="end" className={styles.axis}>{t}</text>
            <text x={px(t)} y={S - PAD + 14} textAnchor="middle" className={styles.axis}>{t}</text>
          </g>
        ))}
        <text x={px(0.5)} y={S - 4} textAnchor="middle" className={styles.axis}>{xLabel}</text>
        <text x={10} y={py(0.5)} transform={`rotate(-90 10 ${py(0.5)})`} textAnchor="middle" className={styles.axis}>{yLabel}</text>
        {children}
      </svg>
      <figcaption className={styles.legend}>{title}</figcaption>
    </figure>
  );
}

const path = (points: [number, number][]) => points.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');

function SetEvaluation({ set }: { set: EvaluationSet }) {
  const roc = set.roc.filter((p) => p.fpr !== null && p.tpr !== null).map((p) => [p.fpr!, p.tpr!] as [number, number]);
  const pr = set.pr.filter((p) => p.precision !== null && p.recall !== null).map((p) => [p.recall!, p.precision!] as [number, number]);
  const bins = set.reliability.filter((b) => b.count > 0 && b.meanPredicted !== null && b.observed !== null);
  const [[tn, fp], [fn, tp]] = set.confusion.matrix;
  return (
    <section className="card" data-testid="evaluation-set" data-set={set.name}>
      <h4>{set.name}: {set.slices} slices, {set.lesionSlices} with a lesion</h4>
      <p className="muted">
        Dice {fmt(set.candidate.dice)}{set.base ? ` (active ${fmt(set.base.dice)})` : ''} · slice F1 {fmt(set.candidate.sliceF1)} ·
        AUC <span data-testid="evaluation-auc">{fmt(set.auc)}</span> · average precision {fmt(set.averagePrecision)} · ECE {fmt(set.ece)} · Brier {fmt(set.brier)}
      </p>
      <div className="grid3" style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(200px, 1fr))', gap: 12 }}>
        <UnitSquare title="ROC (slice lesion score)" xLabel="false-positive rate" yLabel="true-positive rate" testId="chart-roc">
          <line x1={px(0)} y1={py(0)} x2={px(1)} y2={py(1)} className={styles.grid} strokeDasharray="3 3" />
          <path d={path(roc)} fill="none" stroke="var(--accent)" strokeWidth={2} data-points={roc.length} />
        </UnitSquare>
        <UnitSquare title="Precision–recall" xLabel="recall" yLabel="precision" testId="chart-pr">
          <path d={path(pr)} fill="none" stroke="var(--accent)" strokeWidth={2} data-points={pr.length} />
        </UnitSquare>
        <UnitSquare title="Reliability (10 bins)" xLabel="predicted probability" yLabel="observed lesion rate" testId="chart-reliability">
          <line x1={px(0)} y1={py(0)} x2={px(1)} y2={py(1)} className={styles.grid} strokeDasharray="3 3" />
          {bins.map((b) => (
            <circle key={b.lower} cx={px(b.meanPredicted!)} cy={py(b.observed!)} r={Math.min(8, 2 + Math.sqrt(b.count))} className={styles.point} data-testid="reliability-bin">
              <title>{`${b.lower.toFixed(1)}–${b.upper.toFixed(1)}: ${b.count} slices, predicted ${fmt(b.meanPredicted, 2)}, observed ${fmt(b.observed, 2)}`}</title>
            </circle>
          ))}
        </UnitSquare>
        <table data-testid="confusion-matrix" aria-label={`confusion matrix at threshold ${set.confusion.threshold}`} style={{ alignSelf: 'start', width: 'auto' }}>
          <caption className="muted">slices: truth (rows) by prediction at p ≥ {set.confusion.threshold}</caption>
          <thead><tr><th /><th className="num">{set.confusion.labels[0]}</th><th className="num">{set.confusion.labels[1]}</th></tr></thead>
          <tbody>
            <tr><th>{set.confusion.labels[0]}</th><td className="num" data-cell="tn">{tn}</td><td className="num" data-cell="fp">{fp}</td></tr>
            <tr><th>{set.confusion.labels[1]}</th><td className="num" data-cell="fn">{fn}</td><td className="num" data-cell="tp">{tp}</td></tr>
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function EvaluationView({ version, evaluation }: { version: string; evaluation: Evaluation }) {
  return (
    <div data-testid="evaluation" data-version={version}>
      <h3>Evaluation of {version}</h3>
      <p className={evaluation.gatePassed === false ? 'error' : ''} data-testid="evaluation-gate">
        {evaluation.gatePassed === null ? 'Registered without a gate (the first version: nothing to compare with).'
          : evaluation.gatePassed ? 'The gate passed: no held-out metric is worse than the active model’s beyond its noise.'
            : `The gate refused it: ${evaluation.gateReasons.join('; ')}`}
      </p>
      {evaluation.sets.map((s) => <SetEvaluation key={s.name} set={s} />)}
    </div>
  );
}

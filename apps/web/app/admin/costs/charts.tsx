// Small SVG charts for the cost page (no chart library): stacked bars per day and a labelled
// scatter plot. Sizes are in viewBox units; the SVG scales to its container.
import styles from './costs.module.css';

export interface BarSegment { key: string; label: string; color: string }
export interface BarDatum { label: string; values: Record<string, number>; title: string }

const W = 640, H = 220, PAD = { left: 64, right: 28, top: 14, bottom: 36 };

/** Axis values from 0 in steps of 1, 2 or 5 × 10ⁿ; the last one is at or above `max`. */
function ticks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const step = 10 ** Math.floor(Math.log10(max / 4));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => Math.ceil(max / s) <= 5) ?? step * 10;
  const out: number[] = [];
  for (let i = 0; i === 0 || out[i - 1] < max; i++) out.push(Number((i * nice).toPrecision(12)));
  return out;
}

export function formatAmount(v: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

export function StackedBars({ data, segments, unit, testId }: { data: BarDatum[]; segments: BarSegment[]; unit: string; testId: string }) {
  const totals = data.map((d) => segments.reduce((a, s) => a + (d.values[s.key] ?? 0), 0));
  const axis = ticks(Math.max(...totals, 0));
  const max = axis[axis.length - 1];
  const plotW = W - PAD.left - PAD.right, plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(data.length, 1);
  const barW = Math.max(2, Math.min(36, slot * 0.7));
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  return (
    <figure className={styles.chart}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${unit} per day`} data-testid={testId}>
        {axis.map((t) => (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className={styles.grid} />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className={styles.axis}>{formatAmount(t)}</text>
          </g>
        ))}
        {data.map((d, i) => {
          let base = 0;
          const x = PAD.left + i * slot + (slot - barW) / 2;
          return (
            <g key={d.label} data-testid={`${testId}-bar`} data-day={d.label} data-total={totals[i]}>
              <title>{d.title}</title>
              {segments.map((s) => {
                const v = d.values[s.key] ?? 0;
                if (v <= 0) return null;
                const top = y(base + v), height = y(base) - top;
                base += v;
                return <rect key={s.key} x={x} y={top} width={barW} height={Math.max(height, 0.5)} fill={s.color} />;
              })}
              {(i % Math.ceil(data.length / 8) === 0 || i === data.length - 1) && (
                <text x={x + barW / 2} y={H - PAD.bottom + 16} textAnchor="middle" className={styles.axis}>{d.label.slice(5)}</text>
              )}
            </g>
          );
        })}
        <text x={12} y={PAD.top + plotH / 2} transform={`rotate(-90 12 ${PAD.top + plotH / 2})`} textAnchor="middle" className={styles.axis}>{unit}</text>
      </svg>
      <figcaption className={styles.legend}>
        {segments.map((s) => <span key={s.key}><i style={{ background: s.color }} />{s.label}</span>)}
      </figcaption>
    </figure>
  );
}

export interface ScatterPoint { label: string; x: number; y: number; detail: string }

export function Scatter({ points, xLabel, yLabel, testId }: { points: ScatterPoint[]; xLabel: string; yLabel: string; testId: string }) {
  const xAxis = ticks(Math.max(...points.map((p) => p.x), 0) * 1.15);
  const yAxis = ticks(Math.max(...points.map((p) => p.y), 0) * 1.15);
  const xMax = xAxis[xAxis.length - 1], yMax = yAxis[yAxis.length - 1];
  const plotW = W - PAD.left - PAD.right, plotH = H - PAD.top - PAD.bottom;
  const x = (v: number) => PAD.left + (v / xMax) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / yMax) * plotH;
  return (
    <figure className={styles.chart}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${yLabel} against ${xLabel}`} data-testid={testId}>
        {yAxis.map((t) => (
          <g key={`y${t}`}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className={styles.grid} />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className={styles.axis}>{formatAmount(t)}</text>
          </g>
        ))}
        {xAxis.map((t) => <text key={`x${t}`} x={x(t)} y={H - PAD.bottom + 16} textAnchor="middle" className={styles.axis}>{formatAmount(t)}</text>)}
        <text x={PAD.left + plotW / 2} y={H - 4} textAnchor="middle" className={styles.axis}>{xLabel}</text>
        <text x={12} y={PAD.top + plotH / 2} transform={`rotate(-90 12 ${PAD.top + plotH / 2})`} textAnchor="middle" className={styles.axis}>{yLabel}</text>
        {points.map((p) => (
          <g key={p.label} data-testid={`${testId}-point`} data-label={p.label}>
            <title>{p.detail}</title>
            <circle cx={x(p.x)} cy={y(p.y)} r={6} className={styles.point} />
            <text x={x(p.x) + 9} y={y(p.y) + 4} className={styles.pointLabel}>{p.label}</text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

export interface FrontierDatum { label: string; cost: number; quality: number; onFrontier: boolean; detail: string }

/**
 * Cost (x, from 0) against a quality in [0, 1] (y, from just below the lowest point, so close
 * Dice values stay apart); the undominated points are joined in cost order.
 */
export function FrontierPlot({ points, xLabel, yLabel, testId }: { points: FrontierDatum[]; xLabel: string; yLabel: string; testId: string }) {
  const xAxis = ticks(Math.max(...points.map((p) => p.cost), 0) * 1.2);
  const xMax = xAxis[xAxis.length - 1];
  const low = Math.max(0, Math.floor((Math.min(...points.map((p) => p.quality), 1) - 0.02) * 20) / 20);
  const yAxis = Array.from({ length: Math.round((1 - low) / 0.05) + 1 }, (_, i) => Number((low + i * 0.05).toFixed(2))).filter((_, i, all) => all.length <= 6 || i % 2 === 0);
  const plotW = W - PAD.left - PAD.right, plotH = H - PAD.top - PAD.bottom;
  const x = (v: number) => PAD.left + (v / xMax) * plotW;
  const y = (v: number) => PAD.top + plotH - ((v - low) / (1 - low)) * plotH;
  const line = points.filter((p) => p.onFrontier).sort((a, b) => a.cost - b.cost).map((p, i) => `${i ? 'L' : 'M'}${x(p.cost).toFixed(1)},${y(p.quality).toFixed(1)}`).join(' ');
  return (
    <figure className={styles.chart}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${yLabel} against ${xLabel}`} data-testid={testId}>
        {yAxis.map((t) => (
          <g key={`y${t}`}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} className={styles.grid} />
            <text x={PAD.left - 6} y={y(t) + 4} textAnchor="end" className={styles.axis}>{t.toFixed(2)}</text>
          </g>
        ))}
        {xAxis.map((t) => <text key={`x${t}`} x={x(t)} y={H - PAD.bottom + 16} textAnchor="middle" className={styles.axis}>{formatAmount(t)}</text>)}
        <text x={PAD.left + plotW / 2} y={H - 4} textAnchor="middle" className={styles.axis}>{xLabel}</text>
        <text x={12} y={PAD.top + plotH / 2} transform={`rotate(-90 12 ${PAD.top + plotH / 2})`} textAnchor="middle" className={styles.axis}>{yLabel}</text>
        {line && <path d={line} fill="none" stroke="var(--accent)" strokeWidth={2} data-testid={`${testId}-line`} />}
        {points.map((p) => (
          <g key={p.label} data-testid={`${testId}-point`} data-label={p.label} data-frontier={p.onFrontier}>
            <title>{p.detail}</title>
            <circle cx={x(p.cost)} cy={y(p.quality)} r={6} className={styles.point} opacity={p.onFrontier ? 1 : 0.45} />
            <text x={x(p.cost) + 9} y={y(p.quality) + 4} className={styles.pointLabel}>{p.label}</text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

'use client';
// Storage: bytes as received against bytes kept after lossless storage compression, over the
// archive and by transfer syntax and modality (GraphQL storageStats).
import { useCallback, useEffect, useState } from 'react';
import { errorText, formatBytes, gql } from '../../../lib/graphql';
import { RequirePermission } from '../../../lib/session';

interface Figures { count: number; originalBytes: number; storedBytes: number; ratio: number }
interface Stats {
  instances: number; studies: number; originalBytes: number; storedBytes: number; ratio: number;
  byTransferSyntax: (Figures & { transferSyntaxUid: string; name: string | null })[];
  byModality: (Figures & { modality: string | null })[];
}

const FIGURES = 'count originalBytes storedBytes ratio';
const QUERY = `{ storageStats { instances studies originalBytes storedBytes ratio
  byTransferSyntax { transferSyntaxUid name ${FIGURES} } byModality { modality ${FIGURES} } } }`;

const ratio = (r: number) => `${r.toFixed(2)}×`;
const saved = (f: { originalBytes: number; storedBytes: number }) =>
  (f.originalBytes > 0 ? `${(((f.originalBytes - f.storedBytes) / f.originalBytes) * 100).toFixed(1)} %` : '—');

export default function StoragePage() {
  return <RequirePermission permission="model:manage"><Storage /></RequirePermission>;
}

function FigureCells({ f }: { f: Figures }) {
  return (
    <>
      <td className="num">{f.count}</td><td className="num">{formatBytes(f.originalBytes)}</td><td className="num">{formatBytes(f.storedBytes)}</td>
      <td className="num" data-testid="storage-ratio">{ratio(f.ratio)}</td><td className="num">{saved(f)}</td>
    </>
  );
}

const HEAD = <><th className="num">Instances</th><th className="num">Received</th><th className="num">Stored</th><th className="num">Ratio</th><th className="num">Saved</th></>;

function Storage() {
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setStats((await gql<{ storageStats: Stats }>(QUERY)).storageStats);
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, []);
  useEffect(() => { void load(); }, [load]);
  if (!stats) return error ? <p className="error" role="alert" data-testid="error">{error}</p> : <p className="muted page-state">Loading…</p>;
  return (
    <>
      <h1>Storage</h1>
      {error && <p className="error" role="alert" data-testid="error">{error}</p>}
      <dl className="facts card" data-testid="storage-totals">
        <div><dt>Studies</dt><dd data-testid="storage-studies">{stats.studies}</dd></div>
        <div><dt>Instances</dt><dd data-testid="storage-instances">{stats.instances}</dd></div>
        <div><dt>Received</dt><dd data-testid="storage-original">{formatBytes(stats.originalBytes)}</dd></div>
        <div><dt>Stored</dt><dd data-testid="storage-stored">{formatBytes(stats.storedBytes)}</dd></div>
        <div className="wide"><dt>Compression</dt><dd data-testid="storage-total-ratio">{ratio(stats.ratio)} ({saved(stats)} saved, lossless: every read restores the original file)</dd></div>
      </dl>
      <h2>By transfer syntax</h2>
      <div className="table-wrap">
        <table data-testid="storage-by-syntax">
          <thead><tr><th>Transfer syntax</th>{HEAD}</tr></thead>
          <tbody>
            {stats.byTransferSyntax.map((t) => (
              <tr key={t.transferSyntaxUid} data-testid="storage-syntax-row" data-uid={t.transferSyntaxUid}>
                <td>{t.name ?? 'unknown'}<br /><span className="muted">{t.transferSyntaxUid}</span></td><FigureCells f={t} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>By modality</h2>
      <div className="table-wrap">
        <table data-testid="storage-by-modality">
          <thead><tr><th>Modality</th>{HEAD}</tr></thead>
          <tbody>
            {stats.byModality.map((m) => (
              <tr key={m.modality ?? ''} data-testid="storage-modality-row" data-modality={m.modality ?? ''}>
                <td>{m.modality ?? <span className="muted">none</span>}</td><FigureCells f={m} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {stats.instances === 0 && <p className="card muted" data-testid="storage-empty">Nothing stored yet.</p>}
    </>
  );
}

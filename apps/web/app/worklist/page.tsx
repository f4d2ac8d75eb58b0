'use client';
// The radiologists' worklist: open review tasks, most urgent first, refreshed live (polled every
// few seconds); claim a case to open it in the reviewer.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useState } from 'react';
import { errorText, gql } from '../../lib/graphql';
import { formatAge, STATE_WORDS, TASK_FIELDS, type ReviewState, type TaskRow } from '../../lib/review';
import { useSession } from '../../lib/session';

type Scope = 'open' | 'mine' | 'unassigned' | 'done';
type Sort = 'PRIORITY' | 'AGE' | 'SCORE';
const SCOPE_FILTER: Record<Scope, Record<string, unknown>> = {
  open: {}, mine: { mine: true }, unassigned: { unassigned: true }, done: { states: ['FINAL', 'REJECTED', 'CANCELLED'] },
};
const REFRESH_MS = 3000;

const QUERY = `query($filter: WorklistFilterInput, $sort: WorklistSort) { worklist(filter: $filter, sort: $sort, first: 100) { totalCount nodes { ${TASK_FIELDS} } } }`;

export default function WorklistPage() {
  const { viewer } = useSession();
  const router = useRouter();
  const [scope, setScope] = useState<Scope>('open');
  const [sort, setSort] = useState<Sort>('PRIORITY');
  const [urgentOnly, setUrgentOnly] = useState(false);
  const [aiLabel, setAiLabel] = useState('');
  const [data, setData] = useState<{ rows: TaskRow[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(async () => {
    const filter: Record<string, unknown> = { ...SCOPE_FILTER[scope] };
    if (urgentOnly) filter.urgent = true;
    if (aiLabel) filter.aiLabel = aiLabel;
    try {
      const r = await gql<{ worklist: { totalCount: number; nodes: TaskRow[] } }>(QUERY, { filter, sort });
      setData({ rows: r.worklist.nodes, total: r.worklist.totalCount });
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  }, [scope, sort, urgentOnly, aiLabel]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  const canReview = viewer?.permissions.includes('review:perform') && viewer.kind === 'user';
  const open = async (task: TaskRow) => {
    setBusy(task.id);
    try {
      if (task.assigneeId !== viewer?.id && (task.state === 'NEW' || task.state === 'SECOND_READ')) {
        await gql(`mutation($id: ID!) { claimReviewTask(id: $id) { id } }`, { id: task.id });
      }
      router.push(`/review/${task.id}`);
    } catch (e) {
      setError(errorText(e));
      setBusy(null);
      void load();
    }
  };

  return (
    <>
      <h1>Worklist <span className="muted" data-testid="worklist-total">{data ? `(${data.total})` : ''}</span></h1>
      <div className="filters card" role="search">
        <label>Show
          <select value={scope} onChange={(e) => setScope(e.target.value as Scope)} data-testid="worklist-scope">
            <option value="open">all open cases</option><option value="mine">my cases</option>
            <option value="unassigned">unclaimed</option><option value="done">finished</option>
          </select>
        </label>
        <label>AI label
          <select value={aiLabel} onChange={(e) => setAiLabel(e.target.value)} data-testid="worklist-ai-label">
            <option value="">any</option><option value="lesion">lesion</option><option value="none">none</option>
          </select>
        </label>
        <label className="inline"><input type="checkbox" checked={urgentOnly} onChange={(e) => setUrgentOnly(e.target.checked)} data-testid="worklist-urgent" /> urgent only</label>
        <p className="hint muted">Updates every few seconds. Click a column heading to sort.</p>
      </div>
      {error && <p className="error" role="alert" data-testid="worklist-error">{error}</p>}
      {!data ? <p className="muted page-state" data-testid="worklist-loading">Loading worklist…</p> : data.rows.length === 0 ? (
        <p className="muted card" data-testid="worklist-empty">No cases here. New studies appear once the AI has read them.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="worklist-table">
            <thead>
              <tr>
                <th className="num"><button type="button" className="link" onClick={() => setSort('PRIORITY')} aria-pressed={sort === 'PRIORITY'} data-testid="sort-priority">Priority{sort === 'PRIORITY' ? ' ▼' : ''}</button></th>
                <th>Patient</th><th>Study</th>
                <th><button type="button" className="link" onClick={() => setSort('SCORE')} aria-pressed={sort === 'SCORE'} data-testid="sort-score">AI{sort === 'SCORE' ? ' ▼' : ''}</button></th>
                <th><button type="button" className="link" onClick={() => setSort('AGE')} aria-pressed={sort === 'AGE'} data-testid="sort-age">Waiting{sort === 'AGE' ? ' ▼' : ''}</button></th>
                <th>State</th><th>Reader</th><th />
              </tr>
            </thead>
            <tbody>
              {data.rows.map((t) => (
                <tr key={t.id} data-testid="worklist-row" data-task-id={t.id} data-state={t.state}>
                  <td className="num">{t.urgent && <span className="badge bad" data-testid="urgent-badge">urgent</span>} {t.priority.toFixed(0)}</td>
                  <td>{t.patientName || '(no name)'}<br /><span className="muted">{t.patientId}</span></td>
                  <td>{t.studyDescription || 'Study'}<br /><span className="muted">{t.modality ?? ''} · {t.slices} images</span></td>
                  <td data-testid="ai-cell"><span className={`badge ${t.aiLabel === 'lesion' ? 'bad' : 'good'}`}>{t.aiLabel ?? '—'}</span> {t.aiScore != null ? `${Math.round(t.aiScore * 100)} %` : ''}</td>
                  <td className="nowrap">{formatAge(t.ageSeconds)}</td>
                  <td><span className="badge">{STATE_WORDS[t.state as ReviewState]}</span>{t.secondReadRequired && t.state === 'SECOND_READ' ? <><br /><span className="muted">{t.secondReadReason}</span></> : null}</td>
                  <td>{t.assigneeName ?? <span className="muted">—</span>}</td>
                  <td>
                    {canReview && ['NEW', 'SECOND_READ'].includes(t.state) && !t.assigneeId ? (
                      <button type="button" onClick={() => void open(t)} disabled={busy === t.id} data-testid="claim-open">Claim &amp; open</button>
                    ) : (
                      <Link href={`/review/${t.id}`} data-testid="open-task">{t.assigneeId === viewer?.id ? 'Continue' : 'View'}</Link>
                    )}
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

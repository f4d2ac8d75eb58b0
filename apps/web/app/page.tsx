'use client';
// Studies list: search (DICOM wildcards), sortable columns, cursor paging.
import Link from 'next/link';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { errorText, formatBytes, gql } from '../lib/graphql';

interface StudyRow {
  studyInstanceUid: string; studyDate: string | null; accessionNumber: string | null; description: string | null; modalities: string[];
  numberOfSeries: number; numberOfInstances: number; sizeBytes: number; createdAt: string; patient: { patientId: string; patientName: string | null };
}
type SortField = 'STUDY_DATE' | 'PATIENT_NAME' | 'ACCESSION_NUMBER' | 'CREATED_AT';
type Direction = 'ASC' | 'DESC';
const PAGE_SIZE = 25;

const QUERY = `query($filter: StudyFilterInput, $sort: StudySortField, $direction: SortDirection, $first: Int, $after: String) {
  studies(filter: $filter, sort: $sort, direction: $direction, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    nodes { studyInstanceUid studyDate accessionNumber description modalities numberOfSeries numberOfInstances sizeBytes createdAt patient { patientId patientName } }
  }
}`;

const EMPTY_FORM = { patientName: '', patientId: '', accessionNumber: '', modality: '', description: '', from: '', to: '' };
type FormState = typeof EMPTY_FORM;

function toFilter(form: FormState): Record<string, string> {
  const filter: Record<string, string> = {};
  for (const key of ['patientName', 'patientId', 'accessionNumber', 'modality', 'description'] as const) {
    if (form[key].trim()) filter[key] = form[key].trim();
  }
  if (form.from) filter.studyDateFrom = `${form.from}T00:00:00Z`;
  if (form.to) filter.studyDateTo = `${form.to}T00:00:00Z`;
  return filter;
}

export default function StudiesPage() {
  const [form, setForm] = useState(EMPTY_FORM);
  const [filter, setFilter] = useState<Record<string, string>>({});
  const [sort, setSort] = useState<{ field: SortField; direction: Direction }>({ field: 'STUDY_DATE', direction: 'DESC' });
  // Cursors of the pages visited so far; the last one is the page shown (null = first page).
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [data, setData] = useState<{ rows: StudyRow[]; total: number; next: string | null } | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      const r = await gql<{ studies: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: StudyRow[] } }>(
        QUERY, { filter, sort: sort.field, direction: sort.direction, first: PAGE_SIZE, after: cursors[cursors.length - 1] });
      setData({ rows: r.studies.nodes, total: r.studies.totalCount, next: r.studies.pageInfo.hasNextPage ? r.studies.pageInfo.endCursor : null });
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, [filter, sort, cursors]);
  useEffect(() => { void load(); }, [load]);

  const search = (e: FormEvent) => {
    e.preventDefault();
    setFilter(toFilter(form));
    setCursors([null]);
  };
  const clear = () => {
    setForm(EMPTY_FORM);
    setFilter({});
    setCursors([null]);
  };
  const sortBy = (field: SortField) => {
    setSort((s) => ({ field, direction: s.field === field && s.direction === 'DESC' ? 'ASC' : 'DESC' }));
    setCursors([null]);
  };
  const header = (field: SortField, label: string) => (
    <th aria-sort={sort.field === field ? (sort.direction === 'ASC' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort" onClick={() => sortBy(field)} data-testid={`sort-${field}`}>
        {label}<span aria-hidden="true">{sort.field === field ? (sort.direction === 'ASC' ? ' ▲' : ' ▼') : ' ↕'}</span>
      </button>
    </th>
  );
  const input = (key: keyof FormState, label: string, type = 'text', placeholder = '') => (
    <label>{label}
      <input type={type} value={form[key]} placeholder={placeholder} onChange={(e) => setForm({ ...form, [key]: e.target.value })} data-testid={`filter-${key}`} />
    </label>
  );
  const pageNumber = cursors.length;
  const firstRow = (pageNumber - 1) * PAGE_SIZE + 1;
  return (
    <>
      <h1>Studies</h1>
      <form className="filters card" onSubmit={search} role="search" aria-label="Find studies" data-testid="studies-search-form">
        {input('patientName', 'Patient name', 'text', 'DOE^J*')}
        {input('patientId', 'Patient ID')}
        {input('accessionNumber', 'Accession')}
        {input('modality', 'Modality', 'text', 'CT')}
        {input('description', 'Description')}
        {input('from', 'Study date from', 'date')}
        {input('to', 'Study date to', 'date')}
        <div className="actions">
          <button type="submit" data-testid="search">Search</button>
          <button type="button" className="secondary" onClick={clear} data-testid="search-clear">Clear</button>
        </div>
        <p className="muted hint">Wildcards: <code>*</code> any run of characters, <code>?</code> one character; case does not matter.</p>
      </form>
      {error && <p className="error" role="alert" data-testid="studies-error">{error}</p>}
      {data && (
        <>
          <p className="muted" aria-live="polite">
            <span data-testid="studies-total">{data.total} stud{data.total === 1 ? 'y' : 'ies'}</span>
            {data.rows.length > 0 && <> · showing {firstRow}–{firstRow + data.rows.length - 1} (page <span data-testid="studies-page">{pageNumber}</span>)</>}
            {loading && <span data-testid="studies-loading"> · loading…</span>}
          </p>
          <div className="table-wrap">
            <table data-testid="studies-table" aria-busy={loading}>
              <thead>
                <tr>
                  {header('PATIENT_NAME', 'Patient')}<th>Patient ID</th>{header('STUDY_DATE', 'Date')}<th>Modality</th>
                  {header('ACCESSION_NUMBER', 'Accession')}<th>Description</th><th className="num">Series / images</th><th className="num">Size</th>
                  {header('CREATED_AT', 'Received')}
                </tr>
              </thead>
              <tbody>
                {data.rows.map((s) => (
                  <tr key={s.studyInstanceUid} data-testid="study-row">
                    <td><Link href={`/studies/${encodeURIComponent(s.studyInstanceUid)}`} data-testid="study-link">{s.patient.patientName || '(no name)'}</Link></td>
                    <td>{s.patient.patientId}</td><td className="nowrap">{s.studyDate ?? ''}</td><td>{s.modalities.join(', ')}</td><td>{s.accessionNumber ?? ''}</td>
                    <td>{s.description ?? ''}</td><td className="num">{s.numberOfSeries} / {s.numberOfInstances}</td><td className="num nowrap">{formatBytes(s.sizeBytes)}</td>
                    <td className="nowrap">{new Date(s.createdAt).toLocaleString()}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {data.rows.length === 0 && <p className="card muted" data-testid="studies-empty">No studies match this search.</p>}
          <p className="pager">
            <button type="button" className="secondary" disabled={pageNumber < 2} onClick={() => setCursors(cursors.slice(0, -1))} data-testid="prev-page">Previous page</button>
            <button type="button" className="secondary" disabled={!data.next} onClick={() => setCursors([...cursors, data.next])} data-testid="next-page">Next page</button>
          </p>
        </>
      )}
      {!data && !error && <p className="muted page-state" data-testid="studies-loading">Loading studies…</p>}
    </>
  );
}

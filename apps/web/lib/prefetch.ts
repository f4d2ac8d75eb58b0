// What the first image needs, asked for by an inline script in the document itself, before the
// page's bundles (~5 MB with Cornerstone3D) have loaded: the session (`me`), the study's series
// and slices, and the first slice's WADO-RS metadata. The page and the viewer take these answers
// when they mount instead of asking one after another. After a client-side navigation there is
// no inline script: the page asks for the slices itself and the viewer for the metadata.

/** The session query (lib/session.tsx). */
export const ME_QUERY = '{ me { kind id role email name permissions } }';
/** The study's series and slices in display order: all the viewers need. */
export const STUDY_SLICES_QUERY = 'query($uid: String!) { study(studyInstanceUid: $uid) { series { seriesInstanceUid instances { sopInstanceUid rows } } } }';

/** A GraphQL answer as it came: the HTTP status and the parsed body (empty when it was not JSON). */
export interface RawAnswer { ok: boolean; status: number; body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } }

export interface SeriesSlices { seriesInstanceUid: string; instances: { sopInstanceUid: string; rows: number | null }[] }
/** The first slice of the first series with pixels (the first viewer's first image), with its instance metadata. */
export interface FirstSlice { seriesUid: string; sopUid: string; metadata: Promise<unknown[]> }

interface Prefetched {
  me?: Promise<RawAnswer>;
  study?: { uid: string; slices?: Promise<RawAnswer>; first: Promise<FirstSlice | null> };
}

declare global {
  interface Window { __imagingPrefetch?: Prefetched }
}

/** DICOM UIDs (PS3.5 §9.1): digits and dots, at most 64 characters. */
const UID = /^[0-9.]{1,64}$/;

/** The study of a study page's path (`/studies/<uid>`), or null for any other page. */
export function studyUidOfPath(pathname: string | null): string | null {
  const match = pathname ? /^\/studies\/([^/?#]+)\/?$/.exec(pathname) : null;
  if (!match) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

/**
 * The inline script: self-contained (it runs before any bundle), so it repeats in plain JS what
 * `postGraphQL` and `fetchInstanceJson` (cornerstone/setup.ts) do. `studyUid` comes from the URL: only a valid UID is
 * written into the script, and JSON with `<` escaped, so it cannot close the script element.
 */
export function prefetchScript(studyUid: string | null): string {
  const uid = studyUid !== null && UID.test(studyUid) ? studyUid : null;
  const args = JSON.stringify({ me: ME_QUERY, slices: STUDY_SLICES_QUERY, uid }).replace(/</g, '\\u003c');
  return `(function (a) {
  function post(query, variables) {
    return fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify({ query: query, variables: variables }) })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, status: r.status, body: b }; }, function () { return { ok: r.ok, status: r.status, body: {} }; }); });
  }
  var p = { me: post(a.me, {}) };
  p.me.catch(function () {});
  if (a.uid) {
    var slices = post(a.slices, { uid: a.uid });
    slices.catch(function () {});
    var first = slices.then(function (r) {
      var series = r.body && r.body.data && r.body.data.study ? r.body.data.study.series : [];
      for (var i = 0; i < series.length; i++) {
        var instances = series[i].instances;
        if (!instances.some(function (x) { return x.rows; })) continue;
        var s = series[i].seriesInstanceUid, o = instances[0].sopInstanceUid;
        var metadata = fetch('/dicom-web/studies/' + encodeURIComponent(a.uid) + '/series/' + encodeURIComponent(s) + '/instances/' + encodeURIComponent(o) + '/metadata', { headers: { Accept: 'application/dicom+json' }, credentials: 'same-origin' })
          .then(function (m) { if (!m.ok) throw new Error('instance metadata: HTTP ' + m.status); return m.json(); });
        metadata.catch(function () {});
        return { seriesUid: s, sopUid: o, metadata: metadata };
      }
      return null;
    }, function () { return null; });
    p.study = { uid: a.uid, slices: slices, first: first };
  }
  window.__imagingPrefetch = p;
})(${args});`;
}

export async function postGraphQL(query: string, variables: Record<string, unknown>): Promise<RawAnswer> {
  const r = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, credentials: 'same-origin', body: JSON.stringify({ query, variables }) });
  const body = (await r.json().catch(() => ({}))) as RawAnswer['body'];
  return { ok: r.ok, status: r.status, body };
}

function prefetched(): Prefetched | undefined {
  return typeof window === 'undefined' ? undefined : window.__imagingPrefetch;
}

/** The document's `me` answer, once (a later refresh asks again). */
export function takePrefetchedMe(): Promise<RawAnswer> | null {
  const p = prefetched();
  const me = p?.me ?? null;
  if (p) delete p.me;
  return me;
}

/** The document's slices answer for this study, once; null when it asked for another or none. */
export function takePrefetchedSlices(studyUid: string): Promise<RawAnswer> | null {
  const study = prefetched()?.study;
  if (!study || study.uid !== studyUid) return null;
  const slices = study.slices ?? null;
  delete study.slices;
  return slices;
}

/** The study whose first slice the document asked for, if any. */
export function prefetchedStudyUid(): string | null {
  return prefetched()?.study?.uid ?? null;
}

/** The document's first slice of this study, if it asked for one. */
export function prefetchedFirstSlice(studyUid: string): Promise<FirstSlice | null> | null {
  const study = prefetched()?.study;
  return study && study.uid === studyUid ? study.first : null;
}

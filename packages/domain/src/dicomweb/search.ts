// QIDO-RS (PS3.18 §10.6): search for studies, series or instances; answers in DICOM JSON built
// from the index (no file is opened). Every search is audited like the GraphQL ones.
import { poolSql, qidoSearch, QidoMatchError, QIDO_COLUMNS, recordAudit, type QidoLevel, type QidoMatch, type QidoStudyRow, type QidoSeriesRow, type QidoInstanceRow } from '@imaging/db';
import { attr, type DicomJsonDataset } from '@imaging/dicom';
import { requirePermission } from '@imaging/auth';
import { Invalid } from '@imaging/errors';
import { auditBase, type DomainContext } from '../context';

/** Tag (8 hex digits) → keyword, for the attributes QIDO can match on. */
const TAG_KEYWORDS: Record<string, string> = {
  '00100010': 'PatientName', '00100020': 'PatientID', '00080050': 'AccessionNumber', '00080020': 'StudyDate', '0020000D': 'StudyInstanceUID',
  '00081030': 'StudyDescription', '00200010': 'StudyID', '00080090': 'ReferringPhysicianName', '00080061': 'ModalitiesInStudy', '00080060': 'Modality',
  '0020000E': 'SeriesInstanceUID', '00200011': 'SeriesNumber', '0008103E': 'SeriesDescription', '00080018': 'SOPInstanceUID', '00080016': 'SOPClassUID',
  '00200013': 'InstanceNumber',
};
const CONTROL_PARAMS = new Set(['limit', 'offset', 'includefield', 'fuzzymatching']);
export const QIDO_MAX_LIMIT = 1000;

export interface QidoRequest {
  level: Exclude<QidoLevel, 'PATIENT'>;
  params: [string, string][];
  /** UIDs from the path (/studies/{study}/series ...). */
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  /** Base URL of the DICOMweb service, for RetrieveURL (0008,1190). */
  baseUrl: string;
}

function keywordOf(key: string): string {
  const k = key.trim();
  if (QIDO_COLUMNS[k]) return k;
  const tag = k.toUpperCase();
  if (TAG_KEYWORDS[tag]) return TAG_KEYWORDS[tag];
  throw new Invalid(`query parameter "${k.slice(0, 64)}" is not a supported matching attribute`);
}

export async function searchDicomWeb(ctx: DomainContext, req: QidoRequest): Promise<DicomJsonDataset[]> {
  requirePermission(ctx.principal, 'phi:read');
  let limit = 100;
  let offset = 0;
  const matches = [];
  for (const [key, value] of req.params) {
    if (key === 'limit') limit = Number(value);
    else if (key === 'offset') offset = Number(value);
    else if (!CONTROL_PARAMS.has(key) && value !== '') matches.push({ keyword: keywordOf(key), value });
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > QIDO_MAX_LIMIT) throw new Invalid(`limit must be an integer from 1 to ${QIDO_MAX_LIMIT}`);
  if (!Number.isInteger(offset) || offset < 0) throw new Invalid('offset must be a non-negative integer');
  if (req.studyInstanceUid) matches.push({ keyword: 'StudyInstanceUID', value: req.studyInstanceUid });
  if (req.seriesInstanceUid) matches.push({ keyword: 'SeriesInstanceUID', value: req.seriesInstanceUid });
  const rows = await searchIndex(ctx, {
    level: req.level, matches, limit, offset, auditAction: `dicomweb.search.${req.level.toLowerCase()}`, resourceId: req.studyInstanceUid ?? null,
  });
  if (req.level === 'STUDY') return (rows as QidoStudyRow[]).map((r) => studyJson(r, req.baseUrl));
  if (req.level === 'SERIES') return (rows as QidoSeriesRow[]).map((r) => seriesJson(r, req.baseUrl));
  return (rows as QidoInstanceRow[]).map((r) => instanceJson(r, req.baseUrl));
}

export interface IndexSearch {
  level: QidoLevel;
  matches: QidoMatch[];
  limit: number;
  offset: number;
  /** e.g. dicomweb.search.study, dimse.find.series */
  auditAction: string;
  resourceId?: string | null;
}

/** The one search over the index, for QIDO-RS and DIMSE C-FIND alike: matches → rows, audited. */
export async function searchIndex(ctx: DomainContext, search: IndexSearch): Promise<unknown[]> {
  requirePermission(ctx.principal, 'phi:read');
  let rows: unknown[];
  try {
    rows = await qidoSearch(poolSql(ctx.db), search.level, search.matches, { limit: search.limit, offset: search.offset });
  } catch (e) {
    if (e instanceof QidoMatchError) throw new Invalid(e.message);
    throw e;
  }
  await recordAudit(ctx.db, {
    ...auditBase(ctx), action: search.auditAction, resourceType: search.level === 'PATIENT' ? 'Patient' : 'Study', resourceId: search.resourceId ?? null, outcome: 'SUCCESS',
    details: { filters: [...new Set(search.matches.map((m) => m.keyword))].sort(), returned: rows.length },
  });
  return rows;
}

function studyJson(r: QidoStudyRow, base: string): DicomJsonDataset {
  return {
    '00080020': attr('DA', r.studyDate), '00080030': attr('TM', r.studyTime), '00080050': attr('SH', r.accessionNumber),
    '00080061': attr('CS', r.modalities), '00080090': attr('PN', r.referringPhysician), '00081030': attr('LO', r.description),
    '00081190': attr('UR', `${base}/studies/${r.studyInstanceUid}`), '00100010': attr('PN', r.patientName), '00100020': attr('LO', r.patientId),
    '00100030': attr('DA', r.birthDate), '00100040': attr('CS', r.sex), '0020000D': attr('UI', r.studyInstanceUid), '00200010': attr('SH', r.studyId),
    '00201206': attr('IS', r.series), '00201208': attr('IS', r.instances),
  };
}

function seriesJson(r: QidoSeriesRow, base: string): DicomJsonDataset {
  return {
    '00080060': attr('CS', r.modality), '0008103E': attr('LO', r.description),
    '00081190': attr('UR', `${base}/studies/${r.studyInstanceUid}/series/${r.seriesInstanceUid}`),
    '0020000D': attr('UI', r.studyInstanceUid), '0020000E': attr('UI', r.seriesInstanceUid), '00200011': attr('IS', r.seriesNumber),
    '00201209': attr('IS', r.instances),
  };
}

function instanceJson(r: QidoInstanceRow, base: string): DicomJsonDataset {
  return {
    '00080016': attr('UI', r.sopClassUid), '00080018': attr('UI', r.sopInstanceUid), '00080060': attr('CS', r.modality),
    '00081190': attr('UR', `${base}/studies/${r.studyInstanceUid}/series/${r.seriesInstanceUid}/instances/${r.sopInstanceUid}`),
    '00083002': attr('UI', r.transferSyntaxUid), '0020000D': attr('UI', r.studyInstanceUid), '0020000E': attr('UI', r.seriesInstanceUid),
    '00200013': attr('IS', r.instanceNumber), '00280008': attr('IS', r.numberOfFrames), '00280010': attr('US', r.rows), '00280011': attr('US', r.columns),
  };
}

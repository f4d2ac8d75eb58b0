// C-FIND SCP (PS3.4 Annex C) for the Patient Root and Study Root Query/Retrieve information
// models, over the same index and search as QIDO-RS (searchIndex). Matching follows §C.2.2.2
// (single value, wildcard, UID list, date range) for the keys the index carries; other keys in the
// identifier are return keys answered empty, and optional keys we cannot match are treated as
// universal matches (§C.2.2.1.2). Matching is relational: keys of higher levels may be omitted.
import { QIDO_COLUMNS, type QidoLevel, type QidoMatch, type QidoPatientRow, type QidoStudyRow, type QidoSeriesRow, type QidoInstanceRow } from '@imaging/db';
import { searchIndex, type DomainContext } from '@imaging/domain';
import { Invalid } from '@imaging/errors';
import { SOP_CLASS } from './negotiation';

export type Identifier = Record<string, unknown>;
type Value = string | number | string[] | null;

const LEVELS: Record<string, QidoLevel> = { PATIENT: 'PATIENT', STUDY: 'STUDY', SERIES: 'SERIES', IMAGE: 'INSTANCE' };
const META_KEYS = new Set(['QueryRetrieveLevel', 'SpecificCharacterSet', 'RetrieveAETitle', '_vrMap']);

/** A naturalized dcmjs value as DICOM text: PN objects to their alphabetic group, multiple values joined by "\". */
export function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(textOf).join('\\');
  if (typeof value === 'object') return textOf((value as { Alphabetic?: unknown }).Alphabetic);
  return String(value).trim();
}

/** The level asked for, checked against the information model of the presentation context. */
export function queryLevel(identifier: Identifier, sopClassUid: string): QidoLevel {
  const asked = textOf(identifier.QueryRetrieveLevel).toUpperCase();
  const level = LEVELS[asked];
  if (!level) throw new Invalid(`Query/Retrieve Level "${asked.slice(0, 16)}" is not PATIENT, STUDY, SERIES or IMAGE`);
  const patientRoot = sopClassUid === SOP_CLASS.patientRootFind || sopClassUid === SOP_CLASS.patientRootGet || sopClassUid === SOP_CLASS.patientRootMove;
  if (level === 'PATIENT' && !patientRoot) throw new Invalid('PATIENT level exists only in the Patient Root information model');
  return level;
}

/** Matching keys of the identifier that the index can match at this level. */
export function matchesOf(identifier: Identifier, level: QidoLevel): QidoMatch[] {
  const matches: QidoMatch[] = [];
  for (const [keyword, raw] of Object.entries(identifier)) {
    const column = QIDO_COLUMNS[keyword];
    if (!column || !column.levels.includes(level)) continue;
    const value = textOf(raw);
    if (value === '' || value === '*') continue; // universal match (§C.2.2.2.3)
    matches.push({ keyword, value });
  }
  return matches;
}

function attributesOf(level: QidoLevel, row: unknown): Record<string, Value> {
  if (level === 'PATIENT') {
    const r = row as QidoPatientRow;
    return {
      PatientName: r.patientName, PatientID: r.patientId, PatientBirthDate: r.birthDate, PatientSex: r.sex,
      NumberOfPatientRelatedStudies: r.studies, NumberOfPatientRelatedSeries: r.series, NumberOfPatientRelatedInstances: r.instances,
    };
  }
  if (level === 'STUDY') {
    const r = row as QidoStudyRow;
    return {
      PatientName: r.patientName, PatientID: r.patientId, PatientBirthDate: r.birthDate, PatientSex: r.sex,
      StudyInstanceUID: r.studyInstanceUid, StudyDate: r.studyDate, StudyTime: r.studyTime, AccessionNumber: r.accessionNumber,
      StudyDescription: r.description, ReferringPhysicianName: r.referringPhysician, StudyID: r.studyId,
      ModalitiesInStudy: r.modalities, NumberOfStudyRelatedSeries: r.series, NumberOfStudyRelatedInstances: r.instances,
    };
  }
  if (level === 'SERIES') {
    const r = row as QidoSeriesRow;
    return {
      StudyInstanceUID: r.studyInstanceUid, SeriesInstanceUID: r.seriesInstanceUid, Modality: r.modality,
      SeriesNumber: r.seriesNumber, SeriesDescription: r.description, NumberOfSeriesRelatedInstances: r.instances,
    };
  }
  const r = row as QidoInstanceRow;
  return {
    StudyInstanceUID: r.studyInstanceUid, SeriesInstanceUID: r.seriesInstanceUid, SOPInstanceUID: r.sopInstanceUid, SOPClassUID: r.sopClassUid,
    InstanceNumber: r.instanceNumber, Rows: r.rows, Columns: r.columns, NumberOfFrames: r.numberOfFrames, Modality: r.modality,
  };
}

/** The unique key of each level, always returned (§C.4.1.2.3). */
const UNIQUE_KEYS: Record<QidoLevel, string[]> = {
  PATIENT: ['PatientID'], STUDY: ['StudyInstanceUID'], SERIES: ['StudyInstanceUID', 'SeriesInstanceUID'], INSTANCE: ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID'],
};
const PERSON_NAMES = new Set(['PatientName', 'ReferringPhysicianName']);

function responseValue(keyword: string, value: Value): unknown {
  if (value === null || value === undefined) return '';
  if (PERSON_NAMES.has(keyword)) return [{ Alphabetic: String(value) }];
  return value;
}

export interface FindOutcome {
  /** One identifier per match, in index order. */
  datasets: Identifier[];
  /** More matched than DIMSE_FIND_MAX_RESULTS; the datasets are the first of them. */
  truncated: boolean;
}

export async function findMatches(ctx: DomainContext, sopClassUid: string, identifier: Identifier): Promise<FindOutcome> {
  const level = queryLevel(identifier, sopClassUid);
  const matches = matchesOf(identifier, level);
  const cap = ctx.config.dimse.findMaxResults;
  const rows = await searchIndex(ctx, { level, matches, limit: cap + 1, offset: 0, auditAction: `dimse.find.${level.toLowerCase()}` });
  const requested = Object.keys(identifier).filter((k) => !META_KEYS.has(k));
  const keys = [...new Set([...UNIQUE_KEYS[level], ...requested])];
  const datasets = rows.slice(0, cap).map((row) => {
    const attributes = attributesOf(level, row);
    const dataset: Identifier = { QueryRetrieveLevel: textOf(identifier.QueryRetrieveLevel).toUpperCase(), RetrieveAETitle: ctx.config.dimse.aeTitle };
    for (const key of keys) dataset[key] = responseValue(key, attributes[key] ?? null);
    if (Object.values(dataset).some((v) => /[^\x20-\x7e]/.test(textOf(v)))) dataset.SpecificCharacterSet = 'ISO_IR 192';
    return dataset;
  });
  return { datasets, truncated: rows.length > cap };
}

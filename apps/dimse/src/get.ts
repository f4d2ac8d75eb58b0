// C-GET SCP (PS3.4 §C.4.3): the instances the identifier names are resolved over the index (the
// same search as C-FIND and QIDO-RS), then each is sent back on the same association as a C-STORE
// sub-operation: the file exactly as received when the SCU accepted its transfer syntax, else
// transcoded to Explicit VR Little Endian. One file is in memory at a time.
import { EXPLICIT_VR_LITTLE_ENDIAN, transcodeInstance } from '@imaging/dicom';
import { datasetOffset, retrieveInstances, searchIndex, type DomainContext, type RetrievedInstance } from '@imaging/domain';
import type { QidoInstanceRow, QidoMatch } from '@imaging/db';
import { Invalid, TooLarge } from '@imaging/errors';
import { queryLevel, textOf, type Identifier } from './find';

/** Sub-operations one C-GET may start; more is refused with A701 before anything is sent. */
export const MAX_GET_INSTANCES = 10_000;

export { datasetOffset };

/** What a retrieval is audited as, and how many instances it may name (C-GET and C-MOVE share the plan). */
export interface RetrievePlanOptions { auditAction: 'dimse.get' | 'dimse.move'; maxInstances: number }

/** The unique key of each level (§C.4.3.1.3.1: retrieve keys are the unique keys). */
const RETRIEVE_KEY = { PATIENT: 'PatientID', STUDY: 'StudyInstanceUID', SERIES: 'SeriesInstanceUID', INSTANCE: 'SOPInstanceUID' } as const;
const HIGHER_KEYS = { PATIENT: [], STUDY: ['PatientID'], SERIES: ['StudyInstanceUID'], INSTANCE: ['StudyInstanceUID', 'SeriesInstanceUID'] } as const;

export interface GetItem {
  sopClassUid: string;
  sopInstanceUid: string;
  storedTransferSyntaxUid: string;
  read: () => Promise<Uint8Array>;
}

/** Every instance the identifier names, in a stable order, each with a lazy reader. */
export async function planGet(ctx: DomainContext, sopClassUid: string, identifier: Identifier,
  options: RetrievePlanOptions = { auditAction: 'dimse.get', maxInstances: MAX_GET_INSTANCES }): Promise<GetItem[]> {
  const level = queryLevel(identifier, sopClassUid);
  const key = RETRIEVE_KEY[level];
  const value = textOf(identifier[key]);
  const service = options.auditAction === 'dimse.get' ? 'C-GET' : 'C-MOVE';
  if (!value || /[*?]/.test(value)) throw new Invalid(`${service} at ${level} level needs ${key} (one value or a list, no wildcards)`);
  const matches: QidoMatch[] = [{ keyword: key, value }];
  // unique keys of higher levels, when given, narrow the search too (or may be left out: relational)
  for (const higher of HIGHER_KEYS[level]) {
    const v = textOf(identifier[higher]);
    if (v && !/[*?]/.test(v)) matches.push({ keyword: higher, value: v });
  }
  const rows = (await searchIndex(ctx, { level: 'INSTANCE', matches, limit: options.maxInstances + 1, offset: 0, auditAction: `${options.auditAction}.match` })) as QidoInstanceRow[];
  if (rows.length > options.maxInstances) throw new TooLarge(`more than ${options.maxInstances} instances match; retrieve a narrower level`);
  const byStudy = new Map<string, QidoInstanceRow[]>();
  for (const row of rows) byStudy.set(row.studyInstanceUid, [...(byStudy.get(row.studyInstanceUid) ?? []), row]);
  const items: GetItem[] = [];
  for (const [study, studyRows] of byStudy) {
    // one retrieval (and one audit row) per study; the files are read only when sent
    const files = new Map<string, RetrievedInstance<{ transferSyntax: string }>>();
    for (const f of await retrieveInstances(ctx, { study }, [{ transferSyntax: '*' }], { auditAction: options.auditAction })) files.set(f.sopInstanceUid, f);
    for (const row of studyRows) {
      const file = files.get(row.sopInstanceUid);
      if (file) items.push({ sopClassUid: row.sopClassUid, sopInstanceUid: row.sopInstanceUid, storedTransferSyntaxUid: row.transferSyntaxUid, read: file.read });
    }
  }
  return items;
}

export interface SubOperationDataset { transferSyntaxUid: string; bytes: Buffer }

/** The dataset to send for one item in one of the syntaxes the SCU accepted, or null if none fits. */
export async function datasetForSubOperation(item: GetItem, acceptedSyntaxes: string[]): Promise<SubOperationDataset | null> {
  const file = await item.read();
  if (acceptedSyntaxes.includes(item.storedTransferSyntaxUid)) {
    return { transferSyntaxUid: item.storedTransferSyntaxUid, bytes: Buffer.from(file.buffer, file.byteOffset + datasetOffset(file), file.byteLength - datasetOffset(file)) };
  }
  if (!acceptedSyntaxes.includes(EXPLICIT_VR_LITTLE_ENDIAN)) return null;
  const transcoded = await transcodeInstance(file, EXPLICIT_VR_LITTLE_ENDIAN);
  const offset = datasetOffset(transcoded.bytes);
  return { transferSyntaxUid: transcoded.transferSyntaxUid, bytes: Buffer.from(transcoded.bytes.buffer, transcoded.bytes.byteOffset + offset, transcoded.bytes.byteLength - offset) };
}

// Bytes sent per study and UTC day (StudyTransfer): the api's transfer accounting calls this once a
// response that belongs to a study has been written. The study is named by its Study Instance UID
// (WADO-RS paths) or found from a SOP Instance UID (/api/instances/{sop}/...). A counter, not an
// access record: reads of patient data are audited where they are served.
import { poolSql } from '@imaging/db';
import type { Services } from '../context';
import { utcDay } from './budget-policy';

export type TransferSubject = { studyInstanceUid: string } | { sopInstanceUid: string };

/** Adds `bytes` and one request to the study's row of the day; false when no such study is stored. */
export async function recordStudyTransfer(services: Services, subject: TransferSubject, bytes: number, at = new Date()): Promise<boolean> {
  const study = 'studyInstanceUid' in subject
    ? { sql: `SELECT id FROM "Study" WHERE "studyInstanceUid" = $1`, uid: subject.studyInstanceUid }
    : { sql: `SELECT se."studyDbId" AS id FROM "Instance" i JOIN "Series" se ON se.id = i."seriesDbId" WHERE i."sopInstanceUid" = $1`, uid: subject.sopInstanceUid };
  const rows = await poolSql(services.db).query(
    `INSERT INTO "StudyTransfer" ("studyDbId", day, bytes, requests)
     SELECT s.id, $2::date, $3, 1 FROM (${study.sql}) s
     ON CONFLICT ("studyDbId", day) DO UPDATE SET bytes = "StudyTransfer".bytes + EXCLUDED.bytes, requests = "StudyTransfer".requests + 1
     RETURNING "studyDbId"`, [study.uid, utcDay(at), bytes]);
  return rows.length > 0;
}

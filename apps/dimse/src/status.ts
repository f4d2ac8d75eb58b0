// DIMSE status codes we answer with, and how an ingest outcome maps to a C-STORE status.
//
// C-STORE (PS3.4 §B.2.3, Table B.2-1; general codes PS3.7 Annex C):
//   stored                                   → 0x0000 Success
//   duplicate (same SOP Instance UID, same bytes already stored)
//                                            → 0x0000 Success. B.2.3 has no "already have it"
//     status, and 0x0111 (PS3.7 C.5.5) is a failure; an SCU that re-sends after a lost response
//     must see success, and nothing changes on our side (idempotent, as STOW-RS answers 200).
//   conflict (same SOP Instance UID, different bytes; the new file is not kept)
//                                            → 0x0111 Duplicate SOP Instance (failure)
//   PAYLOAD_TOO_LARGE, INFLATED_TOO_LARGE, PIXEL_BUDGET_EXCEEDED, too many bytes in flight,
//   INTERNAL_SERVER_ERROR (nothing kept; retry later)
//                                            → 0xA700 Refused: Out of Resources
//   SOP_MISMATCH (dataset is not the instance the command names), MISSING_UID, INVALID_UID
//                                            → 0xA900 Error: Data Set does not match SOP Class
//   any other refusal of the parser (NOT_DICOM, TRUNCATED, INVALID_VR, PIXEL_DATA_INVALID, ...)
//   and identity conflicts (CONFLICT from the index)
//                                            → 0xC000 Error: Cannot understand
//   FORBIDDEN / UNAUTHENTICATED              → 0x0124 Refused: Not authorized (PS3.7 C.5.9)
// Every failure carries Error Comment (0000,0902) = our error code and message, cut to 64 chars (LO).

import type { IngestResult } from '@imaging/domain';

export const STATUS = {
  success: 0x0000,
  pending: 0xff00,
  cancel: 0xfe00,
  duplicateSopInstance: 0x0111,
  notAuthorized: 0x0124,
  outOfResources: 0xa700,
  /** C-FIND: Refused: Out of Resources (PS3.4 §C.4.1.1.4). */
  findOutOfResources: 0xa700,
  /** C-GET: Refused: Out of Resources - Unable to calculate number of matches (PS3.4 §C.4.3.1.4). */
  getOutOfResourcesMatches: 0xa701,
  dataSetDoesNotMatchSopClass: 0xa900,
  /** C-FIND / C-GET: Identifier does not match SOP Class. */
  identifierDoesNotMatchSopClass: 0xa900,
  cannotUnderstand: 0xc000,
  /** C-GET: Warning, sub-operations complete, one or more failures or warnings (PS3.4 §C.4.3.1.4). */
  subOperationsCompleteWithFailures: 0xb000,
  /** C-GET / C-MOVE: Refused: Out of Resources - Unable to perform sub-operations. */
  unableToPerformSubOperations: 0xa702,
  /** C-MOVE: Refused: Move Destination unknown (PS3.4 §C.4.2.1.5). */
  moveDestinationUnknown: 0xa801,
} as const;

export interface DimseStatus { status: number; errorComment: string | null }

const OUT_OF_RESOURCES = new Set(['PAYLOAD_TOO_LARGE', 'INFLATED_TOO_LARGE', 'PIXEL_BUDGET_EXCEEDED', 'INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE']);
const DOES_NOT_MATCH = new Set(['SOP_MISMATCH', 'MISSING_UID', 'INVALID_UID']);
const NOT_AUTHORIZED = new Set(['FORBIDDEN', 'UNAUTHENTICATED']);

/** Error Comment is LO: at most 64 characters (PS3.5 §6.2). */
export function errorComment(code: string, message: string): string {
  return `${code}: ${message}`.replace(/[\\\r\n]/g, ' ').slice(0, 64);
}

export function statusForRefusal(code: string, message: string): DimseStatus {
  const comment = errorComment(code, message);
  if (OUT_OF_RESOURCES.has(code)) return { status: STATUS.outOfResources, errorComment: comment };
  if (DOES_NOT_MATCH.has(code)) return { status: STATUS.dataSetDoesNotMatchSopClass, errorComment: comment };
  if (NOT_AUTHORIZED.has(code)) return { status: STATUS.notAuthorized, errorComment: comment };
  return { status: STATUS.cannotUnderstand, errorComment: comment };
}

export function storeStatus(result: IngestResult): DimseStatus {
  switch (result.status) {
    case 'stored':
    case 'duplicate':
      return { status: STATUS.success, errorComment: null };
    case 'conflict':
      return { status: STATUS.duplicateSopInstance, errorComment: errorComment('CONFLICT', 'another file with this SOP Instance UID is stored') };
    default:
      return statusForRefusal(result.error?.code ?? 'INTERNAL_SERVER_ERROR', result.error?.message ?? 'not stored');
  }
}

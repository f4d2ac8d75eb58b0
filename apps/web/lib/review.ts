// Review workflow over GraphQL: the queries and mutations the worklist and review pages use.
import type { MeasurementTool } from './measurements';

export type ReviewState = 'NEW' | 'ASSIGNED' | 'IN_PROGRESS' | 'SUBMITTED' | 'SECOND_READ' | 'FINAL' | 'REJECTED' | 'CANCELLED';

export interface TaskRow {
  id: string; state: ReviewState; priority: number; urgent: boolean; aiLabel: string | null; aiScore: number | null;
  studyInstanceUid: string; seriesInstanceUid: string; patientName: string | null; patientId: string; studyDescription: string | null;
  modality: string | null; slices: number; assigneeId: string | null; assigneeName: string | null; ageSeconds: number;
  secondReadRequired: boolean; secondReadReason: string | null; disagreement: boolean | null;
}

export interface SavedMeasurement {
  tool: MeasurementTool; sopInstanceUid: string; frame: number; label: string | null; points: number[][];
  lengthMm: number | null; widthMm: number | null; angleDeg: number | null; areaMm2: number | null; meanHu: number | null; stdDevHu: number | null; valueHu: number | null;
}
export interface Decision {
  read: number; decision: string; label: string | null; comment: string | null; readerName: string; annotationVersion: number | null; createdAt: string;
  measurements: SavedMeasurement[];
}
export interface AnnotationVersion { version: number; source: string; authorName: string | null; label: string | null; slices: number; createdAt: string; segDownloadUrl: string }
export interface TaskDetail extends TaskRow { decisions: Decision[]; annotationVersions: AnnotationVersion[] }

export const TASK_FIELDS = `id state priority urgent aiLabel aiScore studyInstanceUid seriesInstanceUid patientName patientId studyDescription
  modality slices assigneeId assigneeName ageSeconds secondReadRequired secondReadReason disagreement`;
export const DETAIL_FIELDS = `${TASK_FIELDS} decisions { read decision label comment readerName annotationVersion createdAt
    measurements { tool sopInstanceUid frame label points lengthMm widthMm angleDeg areaMm2 meanHu stdDevHu valueHu } }
  annotationVersions { version source authorName label slices createdAt segDownloadUrl }`;

export const STATE_WORDS: Record<ReviewState, string> = {
  NEW: 'new', ASSIGNED: 'claimed', IN_PROGRESS: 'in progress', SUBMITTED: 'submitted', SECOND_READ: 'second read',
  FINAL: 'final', REJECTED: 'rejected', CANCELLED: 'cancelled',
};

/** "3 min", "2 h", "4 d". */
export function formatAge(seconds: number): string {
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 129600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

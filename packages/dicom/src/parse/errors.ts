// Why a file is not an acceptable DICOM instance. Codes are stable (clients branch on them);
// messages say what is wrong in plain words and never quote patient data.
export type DicomErrorCode =
  | 'EMPTY_FILE'
  | 'NOT_DICOM'
  | 'BAD_MAGIC'
  | 'BAD_PREAMBLE'
  | 'TRUNCATED'
  | 'FILE_META_INVALID'
  | 'INVALID_VR'
  | 'LENGTH_PAST_END'
  | 'MISSING_UID'
  | 'INVALID_UID'
  | 'UNSUPPORTED_TRANSFER_SYNTAX'
  | 'PIXEL_DATA_INVALID';

export class DicomError extends Error {
  constructor(readonly code: DicomErrorCode, message: string) {
    super(message);
    this.name = 'DicomError';
  }
}

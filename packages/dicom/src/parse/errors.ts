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
  | 'PIXEL_DATA_INVALID'
  /** A deflated dataset or frame inflates past the per-instance byte limit. */
  | 'INFLATED_TOO_LARGE'
  /** Rows × Columns × samples, the frame count or the instance's pixels exceed the decode budget. */
  | 'PIXEL_BUDGET_EXCEEDED'
  /** The parse threads' queue is full (many large or deflated files at once): retry later. */
  | 'PARSER_BUSY'
  /** Parsing the file took longer than its deadline; the thread was stopped. */
  | 'PARSE_TIMEOUT'
  /** De-identification refused: Burned In Annotation (0028,0301) is YES, the pixels may show identities (PS3.15 §E.1.1). */
  | 'BURNED_IN_ANNOTATION'
  /** De-identification cannot rewrite this dataset (e.g. ISO 2022 code extensions the writer lacks). */
  | 'DEIDENTIFY_UNSUPPORTED';

export class DicomError extends Error {
  constructor(readonly code: DicomErrorCode, message: string) {
    super(message);
    this.name = 'DicomError';
  }
}

/** Work one instance may cause, checked before anything is inflated or decoded. */
export interface DicomLimits {
  /** Bytes a deflated dataset (or frame) may inflate to. */
  maxInflatedBytes: number;
  /** Pixels (Rows × Columns × Samples per Pixel) of one frame. */
  maxFramePixels: number;
  /** Pixels of all frames of one instance. */
  maxInstancePixels: number;
  maxFrames: number;
}

/** Defaults: a 6,000 × 6,000 RGB frame (mammography and radiography fit with room to spare),
 *  1 G pixels per instance, 10,000 frames, 256 MiB inflated. */
export const DEFAULT_DICOM_LIMITS: DicomLimits = {
  maxInflatedBytes: 256 * 1024 * 1024,
  maxFramePixels: 6000 * 6000 * 3,
  maxInstancePixels: 1024 * 1024 * 1024,
  maxFrames: 10_000,
};

/** zlib's own cap (maxOutputLength): the inflater stops at the limit instead of allocating past it. */
export function boundedInflate(inflate: (data: Uint8Array, options: { maxOutputLength: number }) => Buffer, data: Uint8Array, maxBytes: number, what: string): Uint8Array {
  try {
    return new Uint8Array(inflate(data, { maxOutputLength: maxBytes }));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new DicomError('INFLATED_TOO_LARGE', `${what} inflates to more than ${maxBytes} bytes`);
    }
    throw new DicomError(what.includes('frame') ? 'PIXEL_DATA_INVALID' : 'TRUNCATED', `${what} cannot be inflated (corrupt or truncated)`);
  }
}

// The part of dcmjs 0.52 this package uses (it ships no type declarations).
declare module 'dcmjs' {
  export const data: {
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string }): { dict: Record<string, unknown>; meta: Record<string, unknown>; write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer };
    };
    /** Keyed by "(GGGG,EEEE)" (upper-case hex); ambiguous VRs are lower case ("xs", "ox", "lt"). */
    DicomMetaDictionary: {
      dictionary: Record<string, { vr: string } | undefined>;
      /** Keyword-keyed ("PatientName") dataset → tag-keyed DICOM JSON-like dict that DicomDict writes. */
      denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
    };
    /** A dataset to write: construct with the denaturalised file meta, set `dict`, then `write()`. */
    DicomDict: new (meta: Record<string, unknown>) => { dict: Record<string, unknown>; write(): ArrayBuffer };
  };
  export const log: { setLevel(level: string): void };
}

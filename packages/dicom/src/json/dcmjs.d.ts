// The part of dcmjs 0.52 this package uses (it ships no type declarations).
declare module 'dcmjs' {
  export const data: {
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string }): { dict: Record<string, unknown>; meta: Record<string, unknown> };
    };
    /** Keyed by "(GGGG,EEEE)" (upper-case hex); ambiguous VRs are lower case ("xs", "ox", "lt"). */
    DicomMetaDictionary: { dictionary: Record<string, { vr: string } | undefined> };
  };
  export const log: { setLevel(level: string): void };
}

// Seeded mutations of DICOM files for the fuzz test of ingest: bit flips, overwritten and zeroed
// ranges, truncation, insertion, corrupted 16/32-bit length fields, duplicated chunks and splices
// of two files. Deterministic for a seed, so a failure names the file that caused it.

/** The seeded PRNG of the synthetic series (mulberry32), so a fuzz run reproduces from its seed. */
export { prng } from '@imaging/dicom';

export const MUTATIONS = ['flipBits', 'overwrite', 'zero', 'truncate', 'insert', 'length32', 'length16', 'duplicate', 'splice'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** One mutated copy of `base` (never changes `base`); `other` is the second file for splices. */
export function mutate(base: Uint8Array, other: Uint8Array, random: () => number): { bytes: Buffer; mutation: Mutation } {
  const int = (n: number) => Math.floor(random() * n);
  // most of a file's structure sits in its header: aim three mutations in four at the first 2 KiB
  const at = (length: number) => (random() < 0.75 ? int(Math.min(length, 2048)) : int(length));
  const bytes = Buffer.from(base);
  // files too short to hold a length field (the empty file) get bytes inserted instead
  const picked = MUTATIONS[int(MUTATIONS.length)];
  const mutation: Mutation = bytes.length < 8 && (picked === 'length32' || picked === 'length16') ? 'insert' : picked;
  switch (mutation) {
    case 'flipBits': {
      for (let i = 0, n = 1 + int(8); i < n; i++) bytes[at(bytes.length)] ^= 1 << int(8);
      return { bytes, mutation };
    }
    case 'overwrite': {
      const start = at(bytes.length);
      for (let i = start, end = Math.min(bytes.length, start + 1 + int(32)); i < end; i++) bytes[i] = int(256);
      return { bytes, mutation };
    }
    case 'zero': {
      const start = at(bytes.length);
      bytes.fill(0, start, Math.min(bytes.length, start + 1 + int(64)));
      return { bytes, mutation };
    }
    case 'truncate':
      return { bytes: bytes.subarray(0, int(bytes.length)), mutation };
    case 'insert': {
      const start = at(bytes.length);
      const extra = Buffer.from(Array.from({ length: 1 + int(16) }, () => int(256)));
      return { bytes: Buffer.concat([bytes.subarray(0, start), extra, bytes.subarray(start)]), mutation };
    }
    case 'length32': {
      // an even offset, as element lengths are; extreme values or a near miss of the real one
      const start = at(bytes.length - 4) & ~1;
      const values = [0xffffffff, 0xfffffffe, 0x7fffffff, 0, 1, bytes.readUInt32LE(start) + 2, int(0x100000000)];
      bytes.writeUInt32LE(values[int(values.length)] >>> 0, start);
      return { bytes, mutation };
    }
    case 'length16': {
      const start = at(bytes.length - 2) & ~1;
      bytes.writeUInt16LE([0xffff, 0, 1, int(0x10000)][int(4)], start);
      return { bytes, mutation };
    }
    case 'duplicate': {
      const start = at(bytes.length);
      const chunk = bytes.subarray(start, Math.min(bytes.length, start + 1 + int(256)));
      return { bytes: Buffer.concat([bytes.subarray(0, start), chunk, bytes.subarray(start)]), mutation };
    }
    case 'splice':
    default: {
      const cut = at(bytes.length);
      const from = int(other.length);
      return { bytes: Buffer.concat([bytes.subarray(0, cut), Buffer.from(other.subarray(from))]), mutation };
    }
  }
}

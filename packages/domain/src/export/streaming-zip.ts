// A zip archive produced entry by entry (fflate, stored: DICOM pixel data gains little from
// deflate), for a blob store's putStream: each add returns the archive bytes it produced, so memory
// holds one entry at a time. fflate writes no Zip64 (APPNOTE 6.3.10 §4.4), so every size and
// offset must fit 32 bits and the entry count 16: the bound is checked before an entry is taken,
// on the exact size the archive would then have once its central directory is written.
import { Zip, ZipPassThrough } from 'fflate';
import { TooLarge } from '@imaging/errors';

/** Entries a zip without Zip64 can count (End of Central Directory: 2 bytes). */
export const ZIP_MAX_ENTRIES = 0xffff;
/** Bytes a zip without Zip64 can span (central directory offset: 4 bytes). */
export const ZIP_MAX_BYTES = 0xffffffff;

// APPNOTE §4.3.7 local header, §4.3.9 data descriptor, §4.3.12 central directory header, §4.3.16 end record
const LOCAL_HEADER = 30;
const DATA_DESCRIPTOR = 16;
const CENTRAL_HEADER = 46;
const END_RECORD = 22;

export class StreamingZip {
  private readonly zip: Zip;
  private produced: Uint8Array[] = [];
  private error: Error | null = null;
  /** Bytes produced so far, and the central directory they will need. */
  private writtenBytes = 0;
  private centralBytes = 0;
  private entries = 0;

  constructor(private readonly maxBytes: number, private readonly boundName: string) {
    this.zip = new Zip((err, chunk) => {
      if (err) { this.error = err; return; }
      this.produced.push(chunk);
    });
  }

  /** The archive's size once ended, were nothing more added. */
  get sizeBytes(): number {
    return this.writtenBytes + this.centralBytes + END_RECORD;
  }

  /** Adds an entry and returns the archive bytes it produced; TooLarge (nothing produced) when the
   *  archive would pass its bound or the entry count. */
  add(name: string, data: Uint8Array): Uint8Array[] {
    const nameBytes = new TextEncoder().encode(name).byteLength;
    const entryBytes = LOCAL_HEADER + nameBytes + data.byteLength + DATA_DESCRIPTOR;
    if (this.sizeBytes + entryBytes + CENTRAL_HEADER + nameBytes > Math.min(this.maxBytes, ZIP_MAX_BYTES)) {
      throw new TooLarge(`the archive would pass ${Math.round(this.maxBytes / 1024 / 1024)} MiB (${this.boundName}): export fewer studies`);
    }
    if (this.entries + 1 > ZIP_MAX_ENTRIES) throw new TooLarge(`a zip archive without Zip64 holds at most ${ZIP_MAX_ENTRIES} files: export fewer studies`);
    const entry = new ZipPassThrough(name);
    this.zip.add(entry);
    entry.push(data, true);
    this.entries++;
    this.writtenBytes += entryBytes;
    this.centralBytes += CENTRAL_HEADER + nameBytes;
    return this.take();
  }

  /** The central directory and end record. */
  end(): Uint8Array[] {
    this.zip.end();
    return this.take();
  }

  private take(): Uint8Array[] {
    if (this.error) throw this.error;
    const out = this.produced;
    this.produced = [];
    return out;
  }
}

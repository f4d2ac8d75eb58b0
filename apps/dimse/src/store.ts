// C-STORE SCP (PS3.4 Annex B): the dataset is received as raw bytes in the accepted transfer
// syntax (never parsed by the network library), wrapped in a Part 10 file meta (PS3.10 §7.1) and
// handed to the same ingest use case as STOW-RS and uploads. Nothing is kept unless the whole
// dataset arrived and ingest committed it: a peer that disconnects mid-transfer leaves only the
// bytes in this process's memory, released with the connection.
import { Writable } from 'node:stream';
import { fileMetaBytes } from '@imaging/dicom';
import { ingestInstances, type DomainContext, type IngestResult } from '@imaging/domain';
import { isAppError } from '@imaging/errors';
import { statusForRefusal, storeStatus, type DimseStatus } from './status';

/** Bytes of datasets being received by all associations of this process together. */
export class InflightBytes {
  private used = 0;
  constructor(readonly limit: number) {}
  take(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }
  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
  get inUse(): number {
    return this.used;
  }
}

export interface Refusal { code: string; message: string }

/**
 * Where the library writes the fragments of one C-STORE dataset. Past MAX_INSTANCE_BYTES, or when
 * the process-wide in-flight budget is spent, it stops keeping bytes (the rest is read and dropped)
 * and the request is refused once complete.
 */
export class StoreSink extends Writable {
  private chunks: Buffer[] = [];
  private kept = 0;
  private received = 0;
  refusal: Refusal | null = null;

  constructor(
    private readonly maxBytes: number, private readonly budget: InflightBytes,
    /** Of the presentation context the dataset arrives on. */
    readonly transferSyntaxUid: string, readonly abstractSyntaxUid: string,
  ) {
    // never report back-pressure: the library awaits 'drain' only for its first write, and a false
    // return would let the next PDU overtake this one
    super({ highWaterMark: 2 ** 30 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.received += chunk.length;
    if (!this.refusal) {
      if (this.received > this.maxBytes) {
        this.refuse({ code: 'PAYLOAD_TOO_LARGE', message: `dataset exceeds ${this.maxBytes} bytes` });
      } else if (!this.budget.take(chunk.length)) {
        this.refuse({ code: 'SERVICE_UNAVAILABLE', message: 'too many bytes being received; retry later' });
      } else {
        this.kept += chunk.length;
        this.chunks.push(chunk);
      }
    }
    callback();
  }

  get receivedBytes(): number {
    return this.received;
  }

  /** The whole dataset (only when not refused). */
  dataset(): Buffer {
    return Buffer.concat(this.chunks, this.kept);
  }

  /** Gives the in-flight budget back; call once the dataset was ingested, refused or abandoned. */
  release(): void {
    this.budget.release(this.kept);
    this.kept = 0;
    this.chunks = [];
  }

  private refuse(refusal: Refusal): void {
    this.refusal = refusal;
    this.release();
  }
}

export interface StoreCommand {
  /** Affected SOP Class / Instance UID of the C-STORE-RQ (PS3.7 §9.3.1.1). */
  sopClassUid: string;
  sopInstanceUid: string;
  /** Transfer syntax of the accepted presentation context: the dataset's encoding. */
  transferSyntaxUid: string;
}

export interface StoreOutcome extends DimseStatus { result: IngestResult | null }

/** UI value rules (PS3.5 §9.1): digits and dots, at most 64 characters. */
const UID = /^[0-9]+(\.[0-9]+)*$/;

export async function storeInstance(ctx: DomainContext, command: StoreCommand, sink: StoreSink): Promise<StoreOutcome> {
  try {
    if (sink.refusal) return { ...statusForRefusal(sink.refusal.code, sink.refusal.message), result: null };
    for (const uid of [command.sopClassUid, command.sopInstanceUid]) {
      if (typeof uid !== 'string' || uid.length > 64 || !UID.test(uid)) return { ...statusForRefusal('INVALID_UID', 'the request\'s Affected SOP UIDs are not valid UIDs'), result: null };
    }
    const file = Buffer.concat([
      fileMetaBytes({ sopClassUid: command.sopClassUid, sopInstanceUid: command.sopInstanceUid, transferSyntaxUid: command.transferSyntaxUid }),
      sink.dataset(),
    ]);
    const [result] = await ingestInstances(ctx, [file], { expectedSop: { sopClassUid: command.sopClassUid, sopInstanceUid: command.sopInstanceUid } });
    return { ...storeStatus(result), result };
  } catch (e) {
    if (isAppError(e)) return { ...statusForRefusal(e.code, e.message), result: null };
    ctx.log.error({ requestId: ctx.requestId, err: (e as Error).message }, 'C-STORE failed');
    return { ...statusForRefusal('INTERNAL_SERVER_ERROR', 'not stored; retry later'), result: null };
  } finally {
    sink.release();
  }
}

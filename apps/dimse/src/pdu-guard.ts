// Bounds on what a peer may send before the library buffers it: every PDU header (PS3.8 §9.3.1:
// type, reserved, 32-bit length) is read as bytes arrive, and a PDU longer than we allow, or of an
// unknown type, destroys the connection at once. dcmjs-dimse itself accumulates any declared
// length in memory, so without this a single header could make it buffer gigabytes.
import type { Socket } from 'node:net';

const PDU_HEADER_BYTES = 6;
const P_DATA_TF = 0x04;
/** A-ASSOCIATE-RQ and the other control PDUs: 128 presentation contexts with a few transfer
 *  syntaxes each, plus user identity, fit well within this. */
const MAX_CONTROL_PDU_BYTES = 256 * 1024;

export interface PduGuardOptions {
  /** Largest P-DATA-TF variable field we announced (Maximum Length Sub-Item, PS3.8 §D.1). */
  maxPduBytes: number;
  onViolation: (reason: string) => void;
}

/** Installs the guard ahead of the library's own 'data' listener. */
export function guardPdus(socket: Socket, options: PduGuardOptions): void {
  let header = Buffer.alloc(0);
  let bodyRemaining = 0;
  let violated = false;
  socket.prependListener('data', (chunk: Buffer) => {
    if (violated) return;
    let offset = 0;
    while (offset < chunk.length) {
      if (bodyRemaining > 0) {
        const take = Math.min(bodyRemaining, chunk.length - offset);
        bodyRemaining -= take;
        offset += take;
        continue;
      }
      const need = PDU_HEADER_BYTES - header.length;
      const part = chunk.subarray(offset, offset + need);
      header = header.length ? Buffer.concat([header, part]) : Buffer.from(part);
      offset += part.length;
      if (header.length < PDU_HEADER_BYTES) return;
      const type = header[0];
      const length = header.readUInt32BE(2);
      header = Buffer.alloc(0);
      // The announced maximum bounds the whole P-DATA-TF variable field; a little slack is left
      // for SCUs that count only the PDV fragment, not its 6-byte item header.
      const limit = type === P_DATA_TF ? options.maxPduBytes + 1024 : MAX_CONTROL_PDU_BYTES;
      if (type < 0x01 || type > 0x07) {
        violated = true;
        options.onViolation(`unknown PDU type 0x${type.toString(16)}`);
        return;
      }
      if (length > limit) {
        violated = true;
        options.onViolation(`PDU of ${length} bytes exceeds the limit of ${limit}`);
        return;
      }
      bodyRemaining = length;
    }
  });
}

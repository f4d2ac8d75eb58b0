// A hand-written DICOM peer (PS3.8 §9.3) for what dcmtk will not do on purpose: hold an
// association open, stop half-way through a dataset, or send an oversized PDU.
import net from 'node:net';
import { once } from 'node:events';

const APPLICATION_CONTEXT = '1.2.840.10008.3.1.1.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';

function item(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header[0] = type;
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function pdu(type: number, body: Buffer): Buffer {
  const header = Buffer.alloc(6);
  header[0] = type;
  header.writeUInt32BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function ae(title: string): Buffer {
  return Buffer.from(title.padEnd(16, ' ').slice(0, 16), 'latin1');
}

export function associateRq(calledAe: string, callingAe: string, abstractSyntax: string, transferSyntax = IMPLICIT_LE): Buffer {
  const fixed = Buffer.alloc(68);
  fixed.writeUInt16BE(1, 0); // protocol version
  ae(calledAe).copy(fixed, 4);
  ae(callingAe).copy(fixed, 20);
  const pcHeader = Buffer.from([1, 0, 0, 0]); // presentation context id 1
  const pc = item(0x20, Buffer.concat([pcHeader, item(0x30, Buffer.from(abstractSyntax)), item(0x40, Buffer.from(transferSyntax))]));
  const maxLength = Buffer.alloc(4);
  maxLength.writeUInt32BE(16384, 0);
  const user = item(0x50, Buffer.concat([item(0x51, maxLength), item(0x52, Buffer.from('1.2.826.0.1.3680043.10.1561.9'))]));
  return pdu(0x01, Buffer.concat([fixed, item(0x10, Buffer.from(APPLICATION_CONTEXT)), pc, user]));
}

function element(group: number, elementNo: number, value: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(elementNo, 2);
  header.writeUInt32LE(value.length, 4);
  return Buffer.concat([header, value]);
}

const uid = (v: string) => Buffer.from(v.length % 2 ? `${v}\0` : v, 'latin1');
const us = (v: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(v, 0); return b; };

/** C-STORE-RQ command set (PS3.7 §9.3.1.1), implicit VR little endian. */
export function storeCommand(sopClassUid: string, sopInstanceUid: string, messageId = 1): Buffer {
  const body = Buffer.concat([
    element(0x0000, 0x0002, uid(sopClassUid)), element(0x0000, 0x0100, us(0x0001)), element(0x0000, 0x0110, us(messageId)),
    element(0x0000, 0x0700, us(0)), element(0x0000, 0x0800, us(0x0000)), element(0x0000, 0x1000, uid(sopInstanceUid)),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length, 0);
  return Buffer.concat([element(0x0000, 0x0000, length), body]);
}

/** A P-DATA-TF PDU with one PDV (PS3.8 §9.3.5, Annex E). */
export function pData(fragment: Buffer, options: { command: boolean; last: boolean }): Buffer {
  const pdvLength = Buffer.alloc(4);
  pdvLength.writeUInt32BE(fragment.length + 2, 0);
  const control = (options.command ? 1 : 0) | (options.last ? 2 : 0);
  return pdu(0x04, Buffer.concat([pdvLength, Buffer.from([1, control]), fragment]));
}

export class RawPeer {
  private received = Buffer.alloc(0);
  closed = false;
  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => { this.received = Buffer.concat([this.received, chunk]); });
    socket.on('close', () => { this.closed = true; });
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawPeer(socket);
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (e) => (e ? reject(e) : resolve())));
  }

  /** Type of the first PDU the server sent (0x02 accept, 0x03 reject), once it arrived. */
  async firstPduType(timeoutMs = 5000): Promise<number | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0 && !this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.received.length ? this.received[0] : null;
  }

  async waitClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

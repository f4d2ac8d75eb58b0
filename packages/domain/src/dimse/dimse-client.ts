// Outbound DIMSE (we are the SCU) with dcmjs-dimse's client: C-ECHO to verify a remote AE, and
// C-STORE of stored instances to one (C-MOVE sub-operations, sending a SEG or an export).
import { Client, Dataset, association, constants, log as dimseLibraryLog, requests, type responses } from 'dcmjs-dimse';
import type { Config } from '@imaging/config';
import { EXPLICIT_VR_LITTLE_ENDIAN, transcodeInstance } from '@imaging/dicom';

export interface RemoteEndpoint { aeTitle: string; host: string; port: number }

export interface EchoResult { ok: boolean; /** DIMSE status of the C-ECHO-RSP, null when none came */ status: number | null; error: string | null; durationMs: number }

/** Waits for connect, association and each PDU: the shorter of the service timeout and 10 s, so an
 *  admin's click never hangs on a host that drops packets. */
export function outboundTimeouts(config: Config): { connectTimeout: number; associationTimeout: number; pduTimeout: number } {
  const ms = Math.min(config.dimse.timeoutMs, 10_000);
  return { connectTimeout: ms, associationTimeout: ms, pduTimeout: ms };
}

export function echoRemote(config: Config, remote: RemoteEndpoint): Promise<EchoResult> {
  dimseLibraryLog.setLevel('silent'); // its console lines would bypass our structured logs (as in apps/dimse)
  const started = performance.now();
  return new Promise((resolve) => {
    let status: number | null = null;
    let error: string | null = null;
    const client = new Client();
    const request = new requests.CEchoRequest();
    request.on('response', (response) => { status = response.getStatus(); });
    client.on('associationRejected', (reject: { result: number; source: number; reason: number }) => {
      error = `association rejected (result ${reject.result}, source ${reject.source}, reason ${reject.reason})`;
    });
    client.on('networkError', (e: Error) => { error = error ?? `network error: ${e.message}`; });
    client.on('closed', () => {
      const ok = status === constants.Status.Success;
      if (!ok && !error) error = status === null ? 'no C-ECHO response' : `C-ECHO status 0x${status.toString(16).padStart(4, '0')}`;
      resolve({ ok, status, error: ok ? null : error, durationMs: Math.round(performance.now() - started) });
    });
    client.addRequest(request);
    client.send(remote.host, remote.port, config.dimse.aeTitle, remote.aeTitle, outboundTimeouts(config));
  });
}

/** Where the dataset starts in a stored file: after the file meta group (PS3.10 §7.1), or at 0 for
 *  the rare file stored without one. */
export function datasetOffset(file: Uint8Array): number {
  const magic = file.length >= 144 && file[128] === 0x44 && file[129] === 0x49 && file[130] === 0x43 && file[131] === 0x4d;
  if (!magic) return 0;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  // (0002,0000) UL, explicit VR little endian: tag 4, VR 2, length 2, value 4
  if (view.getUint16(132, true) !== 0x0002 || view.getUint16(134, true) !== 0x0000) throw new Error('stored file lacks File Meta Information Group Length');
  return 144 + view.getUint32(140, true);
}

/** A dataset already encoded in its transfer syntax: sent as is, never re-encoded by the library. */
export class EncodedDataset extends Dataset {
  constructor(private readonly encoded: Buffer, transferSyntaxUid: string, uids: { SOPClassUID: string; SOPInstanceUID: string }) {
    super(uids, transferSyntaxUid);
  }
  override getDenaturalizedDataset(): Buffer {
    return this.encoded;
  }
}

/** One instance to send: its identity, the syntax it is stored in, and a reader of the stored file. */
export interface OutboundInstance { sopClassUid: string; sopInstanceUid: string; storedTransferSyntaxUid: string; read: () => Promise<Uint8Array> }

export interface OutboundOptions {
  /** Called once per instance, in order, with the C-STORE-RSP status (or -1: not sent). */
  onResult: (index: number, status: number) => void;
  /** Checked before each batch; true stops sending (C-CANCEL of the move). */
  isCancelled?: () => boolean;
  /** Bytes read into memory for one association at most (files are read batch by batch). */
  maxBatchBytes?: number;
}

const IMPLICIT_LE = constants.TransferSyntax.ImplicitVRLittleEndian;
const DEFAULT_BATCH_BYTES = 64 * 1024 * 1024;
const MAX_BATCH_INSTANCES = 256;

interface Prepared { index: number; item: OutboundInstance; dataset: EncodedDataset }

function encoded(file: Uint8Array, transferSyntaxUid: string, item: OutboundInstance): EncodedDataset {
  const offset = datasetOffset(file);
  return new EncodedDataset(Buffer.from(file.buffer, file.byteOffset + offset, file.byteLength - offset), transferSyntaxUid, { SOPClassUID: item.sopClassUid, SOPInstanceUID: item.sopInstanceUid });
}

/**
 * C-STORE (PS3.4 Annex B) of each instance to a remote AE, as the SCU, one association per batch.
 * First pass: each file exactly as stored, in a presentation context proposing its stored syntax.
 * The library would re-encode a dataset whose syntax the peer did not accept (and cannot for ours),
 * so those are held back when the association is accepted and sent in a second association,
 * transcoded to Explicit VR Little Endian. Statuses come back through onResult.
 */
export async function storeInstancesToRemote(config: Config, remote: RemoteEndpoint, instances: OutboundInstance[], options: OutboundOptions): Promise<StoreOutcome> {
  dimseLibraryLog.setLevel('silent');
  const outcome: StoreOutcome = { rejected: null, networkError: null };
  const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_BATCH_BYTES;
  let next = 0;
  while (next < instances.length) {
    if (options.isCancelled?.()) break;
    const batch: Prepared[] = [];
    let bytes = 0;
    while (next < instances.length && batch.length < MAX_BATCH_INSTANCES && (batch.length === 0 || bytes < maxBatchBytes)) {
      const item = instances[next];
      const index = next++;
      try {
        const file = await item.read();
        bytes += file.byteLength;
        batch.push({ index, item, dataset: encoded(file, item.storedTransferSyntaxUid, item) });
      } catch {
        options.onResult(index, -1);
      }
    }
    const heldBack = await sendAssociation(config, remote, batch, options.onResult, outcome);
    if (heldBack.length === 0) continue;
    const transcoded: Prepared[] = [];
    for (const p of heldBack) {
      try {
        const file = await transcodeInstance(await p.item.read(), EXPLICIT_VR_LITTLE_ENDIAN);
        transcoded.push({ ...p, dataset: encoded(file.bytes, file.transferSyntaxUid, p.item) });
      } catch {
        options.onResult(p.index, -1);
      }
    }
    for (const p of await sendAssociation(config, remote, transcoded, options.onResult, outcome)) options.onResult(p.index, -1);
  }
  for (; next < instances.length; next++) options.onResult(next, -1);
  return outcome;
}

/** What went wrong on the associations, beyond per-instance statuses (the first of each kind). */
export interface StoreOutcome {
  /** A-ASSOCIATE-RJ (PS3.8 §9.3.4): result, source and reason as the peer sent them. */
  rejected: { result: number; source: number; reason: number } | null;
  /** The connection failed or dropped (refused, timed out, reset). */
  networkError: string | null;
}

/** One association carrying the batch; returns the instances held back because the peer accepted
 *  no presentation context in their syntax. */
function sendAssociation(config: Config, remote: RemoteEndpoint, batch: Prepared[], onResult: (index: number, status: number) => void, outcome: StoreOutcome): Promise<Prepared[]> {
  if (batch.length === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    const client = new Client();
    const statuses = new Map<Prepared, number>();
    const requestsOf = new Map<Prepared, requests.CStoreRequest>();
    const proposed = new Set<string>();
    let heldBack: Prepared[] = [];
    for (const p of batch) {
      const ts = p.dataset.getTransferSyntaxUid();
      const request = new requests.CStoreRequest(p.dataset);
      request.on('response', (response: responses.CStoreResponse) => {
        statuses.set(p, response.getStatus());
        onResult(p.index, response.getStatus());
      });
      requestsOf.set(p, request);
      client.addRequest(request);
      // a context proposing only this syntax, so the peer's choice cannot force a re-encoding
      const key = `${p.item.sopClassUid}|${ts}`;
      if (ts !== IMPLICIT_LE && !proposed.has(key)) {
        proposed.add(key);
        client.addAdditionalPresentationContext(new association.PresentationContext(0, p.item.sopClassUid, ts), true);
      }
    }
    client.on('associationAccepted', (accepted: association.Association) => {
      const acceptedSyntaxes = new Set<string>();
      for (const { id } of accepted.getPresentationContexts()) {
        const pc = accepted.getPresentationContext(id);
        if (pc.getResult() === constants.PresentationContextResult.Accept) acceptedSyntaxes.add(`${pc.getAbstractSyntaxUid()}|${pc.getAcceptedTransferSyntaxUid()}`);
      }
      heldBack = batch.filter((p) => !acceptedSyntaxes.has(`${p.item.sopClassUid}|${p.dataset.getTransferSyntaxUid()}`));
      // the client sends its request list right after this event: keep only what needs no re-encoding
      client.clearRequests();
      for (const p of batch) if (!heldBack.includes(p)) client.addRequest(requestsOf.get(p)!);
    });
    client.on('associationRejected', (reject: { result: number; source: number; reason: number }) => {
      outcome.rejected ??= { result: reject.result, source: reject.source, reason: reject.reason };
    });
    client.on('networkError', (e: Error) => { outcome.networkError ??= e.message; }); // the statuses that never came say which
    client.on('closed', () => {
      for (const p of batch) if (!statuses.has(p) && !heldBack.includes(p)) onResult(p.index, -1);
      resolve(heldBack);
    });
    client.send(remote.host, remote.port, config.dimse.aeTitle, remote.aeTitle, outboundTimeouts(config));
  });
}

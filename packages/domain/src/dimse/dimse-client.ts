// Outbound DIMSE (we are the SCU) with dcmjs-dimse's client: C-ECHO to verify a remote AE, and
// C-STORE of stored instances to one (C-MOVE sub-operations, sending a SEG or an export).
import { promisify } from 'node:util';
import { deflateRaw } from 'node:zlib';
import { Client, Dataset, association, constants, log as dimseLibraryLog, requests, type responses } from 'dcmjs-dimse';
import type { Config } from '@imaging/config';
import { EXPLICIT_VR_LITTLE_ENDIAN, transcodeInstance, transferSyntax } from '@imaging/dicom';

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

/** Why an instance was not sent although the association was up: the peer accepted none of the
 *  transfer syntaxes we can write it in (`accepted` lists what it took for the SOP class, if any). */
export interface SendRefusal { code: 'NO_ACCEPTED_TRANSFER_SYNTAX' | 'NOT_READABLE'; reason: string }

export interface OutboundOptions {
  /** Called once per instance, in order, with the C-STORE-RSP status (or -1: not sent, with the
   *  refusal when it is known). */
  onResult: (index: number, status: number, refusal?: SendRefusal) => void;
  /** Checked before each batch; true stops sending (C-CANCEL of the move). */
  isCancelled?: () => boolean;
  /** Bytes read into memory for one association at most (files are read batch by batch). */
  maxBatchBytes?: number;
}

const IMPLICIT_LE = constants.TransferSyntax.ImplicitVRLittleEndian;
const DEFLATED_EXPLICIT_LE = '1.2.840.10008.1.2.1.99';
const DEFAULT_BATCH_BYTES = 64 * 1024 * 1024;
const MAX_BATCH_INSTANCES = 256;
const deflateRawAsync = promisify(deflateRaw);

interface Prepared { index: number; item: OutboundInstance; dataset: EncodedDataset }
interface Transcoded extends Prepared { explicitFile: Uint8Array }

function encoded(file: Uint8Array, transferSyntaxUid: string, item: OutboundInstance): EncodedDataset {
  const offset = datasetOffset(file);
  return new EncodedDataset(Buffer.from(file.buffer, file.byteOffset + offset, file.byteLength - offset), transferSyntaxUid, { SOPClassUID: item.sopClassUid, SOPInstanceUID: item.sopInstanceUid });
}

/** Deflated Explicit VR Little Endian (PS3.5 §A.5) of an Explicit VR Little Endian file: its
 *  dataset deflated (RFC 1951, no zlib wrapper), padded to an even length. The library cannot
 *  deflate, so the bytes go out as made here. */
async function deflated(explicitFile: Uint8Array, item: OutboundInstance): Promise<EncodedDataset> {
  const offset = datasetOffset(explicitFile);
  const bytes = await deflateRawAsync(explicitFile.subarray(offset));
  const even = bytes.byteLength % 2 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes;
  return new EncodedDataset(even, DEFLATED_EXPLICIT_LE, { SOPClassUID: item.sopClassUid, SOPInstanceUID: item.sopInstanceUid });
}

const syntaxName = (uid: string) => transferSyntax(uid)?.name ?? uid;

/**
 * C-STORE (PS3.4 Annex B) of each instance to a remote AE, as the SCU, one association per batch.
 * First pass: each file exactly as stored, in a presentation context proposing its stored syntax.
 * The library would re-encode a dataset whose syntax the peer did not accept (and cannot for ours),
 * so those are held back when the association is accepted and sent in a second association,
 * transcoded to Explicit VR Little Endian, which also proposes Deflated Explicit VR Little Endian;
 * a peer that takes only the deflated syntax gets them deflated here, in a third. An instance no
 * syntax of which the peer takes is reported -1 with a NO_ACCEPTED_TRANSFER_SYNTAX refusal naming
 * what it offered and what the peer accepted (we write no Implicit VR Little Endian from explicit
 * files). Statuses come back through onResult.
 */
export async function storeInstancesToRemote(config: Config, remote: RemoteEndpoint, instances: OutboundInstance[], options: OutboundOptions): Promise<StoreOutcome> {
  dimseLibraryLog.setLevel('silent');
  const outcome: StoreOutcome = { rejected: null, networkError: null };
  const maxBatchBytes = options.maxBatchBytes ?? DEFAULT_BATCH_BYTES;
  const unreadable: SendRefusal = { code: 'NOT_READABLE', reason: 'the instance could not be read or transcoded' };
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
        options.onResult(index, -1, unreadable);
      }
    }
    const first = await sendAssociation(config, remote, batch, options.onResult, outcome);
    if (first.heldBack.length === 0) continue;
    const transcoded: Transcoded[] = [];
    for (const p of first.heldBack) {
      try {
        const file = await transcodeInstance(await p.item.read(), EXPLICIT_VR_LITTLE_ENDIAN);
        transcoded.push({ ...p, explicitFile: file.bytes, dataset: encoded(file.bytes, file.transferSyntaxUid, p.item) });
      } catch {
        options.onResult(p.index, -1, unreadable);
      }
    }
    const second = await sendAssociation(config, remote, transcoded, options.onResult, outcome, [DEFLATED_EXPLICIT_LE]);
    const toDeflate: Prepared[] = [];
    for (const p of second.heldBack) {
      const accepted = second.accepted.get(p.item.sopClassUid) ?? new Set<string>();
      if (!accepted.has(DEFLATED_EXPLICIT_LE)) {
        options.onResult(p.index, -1, noSyntax(p.item, accepted));
        continue;
      }
      try {
        toDeflate.push({ ...p, dataset: await deflated(p.explicitFile, p.item) });
      } catch {
        options.onResult(p.index, -1, unreadable);
      }
    }
    const third = await sendAssociation(config, remote, toDeflate, options.onResult, outcome);
    for (const p of third.heldBack) options.onResult(p.index, -1, noSyntax(p.item, third.accepted.get(p.item.sopClassUid) ?? new Set()));
  }
  for (; next < instances.length; next++) options.onResult(next, -1);
  return outcome;
}

function noSyntax(item: OutboundInstance, accepted: Set<string>): SendRefusal {
  const offered = [...new Set([item.storedTransferSyntaxUid, EXPLICIT_VR_LITTLE_ENDIAN, DEFLATED_EXPLICIT_LE])].map(syntaxName).join(', ');
  const took = accepted.size ? `it accepts only ${[...accepted].map(syntaxName).join(', ')} for this SOP class` : 'it accepted no presentation context for this SOP class';
  return { code: 'NO_ACCEPTED_TRANSFER_SYNTAX', reason: `the remote AE accepted none of ${offered}; ${took}` };
}

/** What went wrong on the associations, beyond per-instance statuses (the first of each kind). */
export interface StoreOutcome {
  /** A-ASSOCIATE-RJ (PS3.8 §9.3.4): result, source and reason as the peer sent them. */
  rejected: { result: number; source: number; reason: number } | null;
  /** The connection failed or dropped (refused, timed out, reset). */
  networkError: string | null;
}

interface AssociationResult<P extends Prepared> {
  /** Instances not sent because the peer accepted no presentation context in their syntax. */
  heldBack: P[];
  /** Transfer syntaxes the peer accepted, by SOP class (empty when no association was made). */
  accepted: Map<string, Set<string>>;
}

/** One association carrying the batch. `alsoPropose`: syntaxes proposed, in a context of their own
 *  per SOP class, only to learn whether the peer takes them. */
function sendAssociation<P extends Prepared>(
  config: Config, remote: RemoteEndpoint, batch: P[], onResult: OutboundOptions['onResult'], outcome: StoreOutcome, alsoPropose: string[] = [],
): Promise<AssociationResult<P>> {
  const result: AssociationResult<P> = { heldBack: [], accepted: new Map() };
  if (batch.length === 0) return Promise.resolve(result);
  return new Promise((resolve) => {
    const client = new Client();
    const statuses = new Map<P, number>();
    const requestsOf = new Map<P, requests.CStoreRequest>();
    const proposed = new Set<string>();
    const propose = (sopClassUid: string, ts: string) => {
      // a context proposing only this syntax, so the peer's choice cannot force a re-encoding
      const key = `${sopClassUid}|${ts}`;
      if (ts === IMPLICIT_LE || proposed.has(key)) return;
      proposed.add(key);
      client.addAdditionalPresentationContext(new association.PresentationContext(0, sopClassUid, ts), true);
    };
    for (const p of batch) {
      const request = new requests.CStoreRequest(p.dataset);
      request.on('response', (response: responses.CStoreResponse) => {
        statuses.set(p, response.getStatus());
        onResult(p.index, response.getStatus());
      });
      requestsOf.set(p, request);
      client.addRequest(request);
      propose(p.item.sopClassUid, p.dataset.getTransferSyntaxUid());
      for (const ts of alsoPropose) propose(p.item.sopClassUid, ts);
    }
    client.on('associationAccepted', (accepted: association.Association) => {
      for (const { id } of accepted.getPresentationContexts()) {
        const pc = accepted.getPresentationContext(id);
        const ts = pc.getAcceptedTransferSyntaxUid();
        if (pc.getResult() !== constants.PresentationContextResult.Accept || !ts) continue;
        const byClass = result.accepted.get(pc.getAbstractSyntaxUid()) ?? new Set<string>();
        byClass.add(ts);
        result.accepted.set(pc.getAbstractSyntaxUid(), byClass);
      }
      result.heldBack = batch.filter((p) => !result.accepted.get(p.item.sopClassUid)?.has(p.dataset.getTransferSyntaxUid()));
      // the client sends its request list right after this event: keep only what needs no re-encoding
      client.clearRequests();
      for (const p of batch) if (!result.heldBack.includes(p)) client.addRequest(requestsOf.get(p)!);
    });
    client.on('associationRejected', (reject: { result: number; source: number; reason: number }) => {
      outcome.rejected ??= { result: reject.result, source: reject.source, reason: reject.reason };
    });
    client.on('networkError', (e: Error) => { outcome.networkError ??= e.message; }); // the statuses that never came say which
    client.on('closed', () => {
      for (const p of batch) if (!statuses.has(p) && !result.heldBack.includes(p)) onResult(p.index, -1);
      resolve(result);
    });
    client.send(remote.host, remote.port, config.dimse.aeTitle, remote.aeTitle, outboundTimeouts(config));
  });
}

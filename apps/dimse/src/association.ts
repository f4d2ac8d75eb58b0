// One DICOM association (PS3.8 §9): negotiation, then C-ECHO, C-STORE, C-FIND, C-GET and C-MOVE
// requests, each answered by one domain use case under the peer's principal (its calling AE
// title), with the peer's address in every audit row.
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { Dataset, Scp, constants, requests, responses, type association as dimseAssociation } from 'dcmjs-dimse';
import type { Principal } from '@imaging/auth';
import { recordAudit } from '@imaging/db';
import { EncodedDataset, auditBase, type DomainContext, type Services } from '@imaging/domain';
import { isAppError } from '@imaging/errors';
import { negotiatePresentationContexts, isStorageSopClass } from './negotiation';
import { guardPdus } from './pdu-guard';
import { StoreSink, storeInstance, type InflightBytes } from './store';
import { findMatches, type Identifier } from './find';
import { datasetForSubOperation, planGet, type GetItem } from './get';
import { MoveDestinationUnknown, planMove, runMove } from './move';
import { STATUS, errorComment, statusForRefusal } from './status';

const { PresentationContextResult, RejectResult, RejectSource, RejectReason } = constants;
type Association = dimseAssociation.Association;
type PresentationContext = dimseAssociation.PresentationContext;
type CStoreRequest = requests.CStoreRequest;
type CFindRequest = requests.CFindRequest;
type CGetRequest = requests.CGetRequest;
type CMoveRequest = requests.CMoveRequest;
type CEchoRequest = requests.CEchoRequest;
type CCancelRequest = requests.CCancelRequest;

export interface AssociationDeps {
  services: Services;
  budget: InflightBytes;
  /** False when DIMSE_MAX_ASSOCIATIONS were already open as this connection came in. */
  admitted: boolean;
  onClose: () => void;
}

export class DimseAssociation extends Scp {
  private readonly id = randomBytes(4).toString('hex');
  private readonly peerAddress: string;
  private principal: Principal | null = null;
  private negotiated: Association | null = null;
  private readonly sinks = new Map<object, StoreSink>();
  private readonly cancelled = new Set<number>();
  private readonly subOperationWaiters = new Set<(status: number) => void>();
  private closed = false;
  private messages = 0;

  constructor(private readonly connection: Socket, private readonly deps: AssociationDeps) {
    const timeout = deps.services.config.dimse.timeoutMs;
    super(connection, { connectTimeout: timeout, associationTimeout: timeout, pduTimeout: timeout });
    this.peerAddress = connection.remoteAddress ?? 'unknown';
    guardPdus(connection, {
      maxPduBytes: deps.services.config.dimse.maxPduBytes,
      onViolation: (reason) => {
        this.log().warn({ association: this.id, reason }, 'DIMSE peer broke the PDU limits; connection closed');
        connection.destroy();
      },
    });
    this.on('networkError', (e: Error) => {
      this.log().info({ association: this.id, err: e.message }, 'DIMSE connection error');
      connection.destroy();
    });
    this.on('close', () => this.finish());
    connection.once('close', () => this.finish());
  }

  private log() {
    return this.deps.services.log;
  }

  private context(): DomainContext {
    if (!this.principal) throw new Error('no association');
    this.messages++;
    return { ...this.deps.services, principal: this.principal, requestId: `dimse-${this.id}-${this.messages}`, clientAddress: this.peerAddress };
  }

  /** Audit of the association itself: who connected from where, accepted or not and why. */
  private auditAssociation(outcome: 'SUCCESS' | 'FAILURE', callingAeTitle: string, details: Record<string, unknown>): void {
    const ctx: DomainContext = { ...this.deps.services, principal: { kind: 'dimse', id: callingAeTitle, role: 'INTEGRATOR' }, requestId: `dimse-${this.id}`, clientAddress: this.peerAddress };
    recordAudit(this.deps.services.db, { ...auditBase(ctx), action: 'dimse.associate', resourceType: 'Association', resourceId: this.id, outcome, details })
      .catch((e) => this.log().error({ association: this.id, err: (e as Error).message }, 'DIMSE association audit failed'));
  }

  private reject(association: Association, result: number, source: number, reason: number, why: string): void {
    this.log().info({ association: this.id, callingAeTitle: association.getCallingAeTitle(), peer: this.peerAddress, why }, 'DIMSE association rejected');
    this.sendAssociationReject(result, source, reason);
  }

  override associationRequested(association: Association): void {
    this.negotiated = association;
    const config = this.deps.services.config.dimse;
    const calling = association.getCallingAeTitle().trim();
    const called = association.getCalledAeTitle().trim();
    if (!this.deps.admitted) {
      // PS3.8 §7.1.1.9: transient, service-provider (presentation), local limit exceeded
      this.reject(association, RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded, 'DIMSE_MAX_ASSOCIATIONS reached');
      return;
    }
    if (called !== config.aeTitle) {
      this.reject(association, RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized, 'called AE title is not ours');
      this.auditAssociation('FAILURE', calling, { calledAeTitle: called, reason: 'CALLED_AE_NOT_RECOGNIZED' });
      return;
    }
    if (config.callingAeTitles.length > 0 && !config.callingAeTitles.includes(calling)) {
      this.reject(association, RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized, 'calling AE title is not allowed');
      this.auditAssociation('FAILURE', calling, { calledAeTitle: called, reason: 'CALLING_AE_NOT_RECOGNIZED' });
      return;
    }
    const accepted = negotiatePresentationContexts(association);
    // dcmjs-dimse keeps one max PDU length per association: what it announces in the A-ASSOCIATE-AC
    // and the size it sends PDUs in. The smaller of the peer's and ours fits both directions.
    const peerMaxPdu = association.getMaxPduLength();
    association.setMaxPduLength(peerMaxPdu > 0 ? Math.min(peerMaxPdu, config.maxPduBytes) : config.maxPduBytes);
    this.principal = { kind: 'dimse', id: calling, role: 'INTEGRATOR' };
    this.sendAssociationAccept();
    this.auditAssociation('SUCCESS', calling, { calledAeTitle: called, acceptedContexts: accepted, proposedContexts: association.getPresentationContexts().length });
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }

  override cEchoRequest(request: CEchoRequest, callback: (response: responses.CEchoResponse) => void): void {
    const response = responses.CEchoResponse.fromRequest(request);
    response.setStatus(STATUS.success);
    callback(response);
  }

  override createStoreWritableStream(context: PresentationContext, request: CStoreRequest): Writable {
    const sink = new StoreSink(this.deps.services.config.maxInstanceBytes, this.deps.budget, context.getAcceptedTransferSyntaxUid() ?? '', context.getAbstractSyntaxUid());
    this.sinks.set(request, sink);
    return sink;
  }

  override createDatasetFromStoreWritableStream(_writable: Writable, context: PresentationContext, callback: (dataset: Dataset) => void): void {
    // the bytes stay in the sink; the library gets an empty placeholder and never parses the dataset
    callback(new Dataset({}, context.getAcceptedTransferSyntaxUid()));
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: responses.CStoreResponse) => void): void {
    const sink = this.sinks.get(request);
    this.sinks.delete(request);
    const respond = (status: number, comment: string | null) => {
      const response = responses.CStoreResponse.fromRequest(request);
      response.setStatus(status);
      if (comment) response.setErrorComment(comment);
      if (!this.closed) callback(response);
    };
    if (!sink) return respond(STATUS.cannotUnderstand, errorComment('NO_DATASET', 'the C-STORE request carried no dataset'));
    const sopClassUid = request.getAffectedSopClassUid();
    if (!isStorageSopClass(sopClassUid) || sopClassUid !== sink.abstractSyntaxUid) {
      sink.release();
      const refusal = statusForRefusal('SOP_MISMATCH', 'the SOP Class differs from the presentation context');
      return respond(refusal.status, refusal.errorComment);
    }
    const ctx = this.context();
    storeInstance(ctx, { sopClassUid, sopInstanceUid: request.getAffectedSopInstanceUid(), transferSyntaxUid: sink.transferSyntaxUid }, sink).then(
      (outcome) => {
        this.log().debug({ requestId: ctx.requestId, status: outcome.status.toString(16), result: outcome.result?.status ?? null, code: outcome.result?.error?.code ?? null }, 'C-STORE');
        respond(outcome.status, outcome.errorComment);
      },
      (e) => {
        this.log().error({ requestId: ctx.requestId, err: (e as Error).message }, 'C-STORE failed');
        respond(STATUS.outOfResources, errorComment('INTERNAL_SERVER_ERROR', 'not stored; retry later'));
      });
  }

  private acceptedTransferSyntax(request: { getAffectedSopClassUid(): string }): string {
    const sopClassUid = request.getAffectedSopClassUid();
    for (const { id } of this.negotiated?.getPresentationContexts() ?? []) {
      const pc = this.negotiated!.getPresentationContext(id);
      if (pc.getAbstractSyntaxUid() === sopClassUid && pc.getResult() === PresentationContextResult.Accept) return pc.getAcceptedTransferSyntaxUid() ?? '1.2.840.10008.1.2';
    }
    return '1.2.840.10008.1.2';
  }

  override cFindRequest(request: CFindRequest, callback: (responses: responses.CFindResponse[]) => void): void {
    const identifier = (request.getDataset()?.getElements() ?? {}) as Identifier;
    const transferSyntaxUid = this.acceptedTransferSyntax(request);
    const ctx = this.context();
    findMatches(ctx, request.getAffectedSopClassUid(), identifier).then(
      (outcome) => {
        const answers = outcome.datasets.map((d) => {
          const r = responses.CFindResponse.fromRequest(request);
          r.setDataset(new Dataset(d, transferSyntaxUid));
          r.setStatus(STATUS.pending);
          return r;
        });
        const final = responses.CFindResponse.fromRequest(request);
        final.setStatus(outcome.truncated ? STATUS.findOutOfResources : STATUS.success);
        if (outcome.truncated) final.setErrorComment(errorComment('TOO_MANY_MATCHES', `only the first ${outcome.datasets.length} are sent`));
        if (!this.closed) callback([...answers, final]);
      },
      (e) => {
        const final = responses.CFindResponse.fromRequest(request);
        const status = this.failureStatus(e, ctx);
        final.setStatus(status.status);
        final.setErrorComment(status.comment);
        if (!this.closed) callback([final]);
      });
  }

  /** Identifier problems → A900; anything else → C000 (PS3.4 §C.4.1.1.4, §C.4.3.1.4). */
  private failureStatus(e: unknown, ctx: DomainContext): { status: number; comment: string } {
    if (isAppError(e)) {
      if (e.code === 'BAD_USER_INPUT') return { status: STATUS.identifierDoesNotMatchSopClass, comment: errorComment(e.code, e.message) };
      if (e.code === 'PAYLOAD_TOO_LARGE') return { status: STATUS.getOutOfResourcesMatches, comment: errorComment(e.code, e.message) };
      const mapped = statusForRefusal(e.code, e.message);
      return { status: mapped.status, comment: mapped.errorComment ?? '' };
    }
    this.log().error({ requestId: ctx.requestId, err: (e as Error).message }, 'DIMSE request failed');
    return { status: STATUS.cannotUnderstand, comment: errorComment('INTERNAL_SERVER_ERROR', 'the request could not be processed') };
  }

  override cCancelRequest(request: CCancelRequest): void {
    this.cancelled.add(request.getMessageIdBeingRespondedTo());
  }

  override cGetRequest(request: CGetRequest, callback: (responses: responses.CGetResponse[]) => void): void {
    const identifier = (request.getDataset()?.getElements() ?? {}) as Identifier;
    const ctx = this.context();
    planGet(ctx, request.getAffectedSopClassUid(), identifier)
      .then((items) => this.runGet(request, items))
      .then(
        (final) => { if (!this.closed) callback([final]); },
        (e) => {
          const final = responses.CGetResponse.fromRequest(request);
          const status = this.failureStatus(e, ctx);
          final.setStatus(status.status);
          final.setErrorComment(status.comment);
          if (!this.closed) callback([final]);
        });
  }

  override cMoveRequest(request: CMoveRequest, callback: (responses: responses.CMoveResponse[]) => void): void {
    const identifier = (request.getDataset()?.getElements() ?? {}) as Identifier;
    const moveDestination = (request.getCommandDataset().getElement('MoveDestination') ?? '').trim();
    const ctx = this.context();
    const fail = (status: number, comment: string) => {
      const final = responses.CMoveResponse.fromRequest(request);
      final.setStatus(status);
      final.setErrorComment(comment);
      if (!this.closed) callback([final]);
    };
    planMove(ctx, request.getAffectedSopClassUid(), identifier, moveDestination)
      .then(async (plan) => {
        const outcome = await runMove(ctx, plan, (counts) => {
          if (this.closed || counts.remaining === 0) return;
          const pending = responses.CMoveResponse.fromRequest(request);
          pending.setStatus(STATUS.pending);
          pending.setRemaining(counts.remaining);
          pending.setCompleted(counts.completed);
          pending.setFailures(counts.failed);
          pending.setWarnings(counts.warning);
          this.sendResponse(request, pending);
        }, () => this.closed || this.cancelled.has(request.getMessageId()));
        const final = responses.CMoveResponse.fromRequest(request);
        if (outcome.cancelled) {
          final.setStatus(STATUS.cancel);
          final.setRemaining(outcome.remaining);
        } else if (outcome.failed === 0 && outcome.warning === 0) final.setStatus(STATUS.success);
        else if (outcome.completed === 0 && outcome.warning === 0) final.setStatus(STATUS.unableToPerformSubOperations);
        else final.setStatus(STATUS.subOperationsCompleteWithFailures);
        final.setCompleted(outcome.completed);
        final.setFailures(outcome.failed);
        final.setWarnings(outcome.warning);
        if (outcome.failedUids.length) final.setDataset(new Dataset({ FailedSOPInstanceUIDList: outcome.failedUids }, this.acceptedTransferSyntax(request)));
        if (!this.closed) callback([final]);
      })
      .catch((e) => {
        if (e instanceof MoveDestinationUnknown) return fail(STATUS.moveDestinationUnknown, errorComment('MOVE_DESTINATION_UNKNOWN', `${moveDestination.slice(0, 16)} is not a configured remote AE`));
        const status = this.failureStatus(e, ctx);
        fail(status.status, status.comment);
      });
  }

  /** Storage SOP class → transfer syntaxes the SCU accepted to receive it in (SCP role, PS3.7 §D.3.3.4). */
  private storageSyntaxes(): Map<string, string[]> {
    const bySopClass = new Map<string, string[]>();
    for (const { id } of this.negotiated?.getPresentationContexts() ?? []) {
      const pc = this.negotiated!.getPresentationContext(id);
      const ts = pc.getAcceptedTransferSyntaxUid();
      if (pc.getResult() === PresentationContextResult.Accept && ts && isStorageSopClass(pc.getAbstractSyntaxUid())) {
        bySopClass.set(pc.getAbstractSyntaxUid(), [...(bySopClass.get(pc.getAbstractSyntaxUid()) ?? []), ts]);
      }
    }
    return bySopClass;
  }

  private async runGet(request: CGetRequest, items: GetItem[]): Promise<responses.CGetResponse> {
    const syntaxes = this.storageSyntaxes();
    const counts = { completed: 0, failed: 0, warning: 0 };
    const failedUids: string[] = [];
    let cancelled = false;
    for (let i = 0; i < items.length; i++) {
      if (this.closed) break;
      if (this.cancelled.has(request.getMessageId())) { cancelled = true; break; }
      const item = items[i];
      const dataset = await datasetForSubOperation(item, syntaxes.get(item.sopClassUid) ?? []).catch((e: Error) => {
        this.log().warn({ association: this.id, err: e.message }, 'C-GET sub-operation could not be prepared');
        return null;
      });
      const status = dataset ? await this.storeSubOperation(item, dataset.transferSyntaxUid, dataset.bytes) : STATUS.outOfResources;
      if (status === STATUS.success) counts.completed++;
      else if (status >= 0xb000 && status <= 0xbfff) counts.warning++;
      else { counts.failed++; failedUids.push(item.sopInstanceUid); }
      if (i < items.length - 1 && !this.closed) {
        const pending = responses.CGetResponse.fromRequest(request);
        pending.setStatus(STATUS.pending);
        pending.setRemaining(items.length - i - 1);
        pending.setCompleted(counts.completed);
        pending.setFailures(counts.failed);
        pending.setWarnings(counts.warning);
        this.sendResponse(request, pending);
      }
    }
    const final = responses.CGetResponse.fromRequest(request);
    const done = counts.completed + counts.failed + counts.warning;
    if (cancelled) {
      final.setStatus(STATUS.cancel);
      final.setRemaining(items.length - done);
    } else if (counts.failed === 0 && counts.warning === 0) final.setStatus(STATUS.success);
    else if (counts.completed === 0 && counts.warning === 0) final.setStatus(STATUS.unableToPerformSubOperations);
    else final.setStatus(STATUS.subOperationsCompleteWithFailures);
    final.setCompleted(counts.completed);
    final.setFailures(counts.failed);
    final.setWarnings(counts.warning);
    if (failedUids.length) final.setDataset(new Dataset({ FailedSOPInstanceUIDList: failedUids }, this.acceptedTransferSyntax(request)));
    return final;
  }

  /** One C-STORE sub-operation to the SCU; resolves with its status, or -1 if the connection ended. */
  private storeSubOperation(item: GetItem, transferSyntaxUid: string, bytes: Buffer): Promise<number> {
    return new Promise((resolve) => {
      if (this.closed) return resolve(-1);
      const done = (status: number) => {
        this.subOperationWaiters.delete(done);
        resolve(status);
      };
      this.subOperationWaiters.add(done);
      const store = new requests.CStoreRequest(new EncodedDataset(bytes, transferSyntaxUid, { SOPClassUID: item.sopClassUid, SOPInstanceUID: item.sopInstanceUid }));
      store.on('response', (response: responses.CStoreResponse) => done(response.getStatus()));
      this.sendRequests(store);
    });
  }

  override abort(): void {
    this.log().info({ association: this.id }, 'DIMSE association aborted by the peer');
    this.connection.destroy();
  }

  /** The connection is gone: partial datasets are dropped (nothing of them was stored), waiting
   *  sub-operations end, and the association no longer counts against the limit. */
  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const sink of this.sinks.values()) sink.release();
    this.sinks.clear();
    for (const waiter of [...this.subOperationWaiters]) waiter(-1);
    this.deps.onClose();
  }
}

// What every use case receives: the services it may call and who is asking, for which request.
import type { Config } from '@imaging/config';
import type { Logger } from '@imaging/logger';
import type { Db } from '@imaging/db';
import type { BlobStore } from '@imaging/storage';
import type { Queues } from '@imaging/jobs';
import { actorOf, type Principal } from '@imaging/auth';
import type { AuditInput } from '@imaging/db';

export interface Services {
  config: Config;
  log: Logger;
  db: Db;
  store: BlobStore;
  queues: Queues;
}

export interface DomainContext extends Services {
  principal: Principal;
  requestId: string;
  /** IP of the request, recorded in its audit rows (absent for system work). */
  clientAddress?: string | null;
}

/** The audit fields that come from the context: who, and under which request. */
export function auditBase(ctx: DomainContext): Pick<AuditInput, 'actorType' | 'actorId' | 'requestId' | 'clientAddress'> {
  return { ...actorOf(ctx.principal), requestId: ctx.requestId, clientAddress: ctx.clientAddress ?? null };
}

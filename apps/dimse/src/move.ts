// C-MOVE SCP (PS3.4 §C.4.2): the instances the identifier names (the same plan as C-GET: query
// levels, unique keys, bounds) are sent as C-STORE sub-operations over a new association from our
// AE title to the move destination, resolved by AE title among the enabled remote AEs (unknown:
// A801). Counts go back to the SCU as pending responses; the move and its outcome are audited.
import { recordAudit } from '@imaging/db';
import { auditBase, findMoveDestination, storeInstancesToRemote, type DomainContext, type RemoteAeView } from '@imaging/domain';
import { NotFound } from '@imaging/errors';
import type { Identifier } from './find';
import { planGet, type GetItem } from './get';

export interface MoveCounts { remaining: number; completed: number; failed: number; warning: number }

export interface MovePlan { destination: RemoteAeView; items: GetItem[] }

/** Thrown for an unknown or disabled destination, answered with A801 (PS3.4 §C.4.2.1.5). */
export class MoveDestinationUnknown extends NotFound {
  constructor(aeTitle: string) { super(`move destination ${aeTitle.slice(0, 16)}`); }
}

export async function planMove(ctx: DomainContext, sopClassUid: string, identifier: Identifier, moveDestination: string): Promise<MovePlan> {
  const destination = await findMoveDestination(ctx, moveDestination);
  if (!destination) {
    await recordAudit(ctx.db, { ...auditBase(ctx), action: 'dimse.move', resourceType: 'RemoteAe', resourceId: null, outcome: 'FAILURE', details: { moveDestination: moveDestination.slice(0, 16), reason: 'MOVE_DESTINATION_UNKNOWN' } });
    throw new MoveDestinationUnknown(moveDestination);
  }
  const items = await planGet(ctx, sopClassUid, identifier, { auditAction: 'dimse.move', maxInstances: ctx.config.dimse.moveMaxInstances });
  return { destination, items };
}

/** Sends every item; onProgress sees the counts after each sub-operation. Returns the final counts
 *  and the SOP Instance UIDs that failed. */
export async function runMove(ctx: DomainContext, plan: MovePlan, onProgress: (counts: MoveCounts) => void, isCancelled: () => boolean): Promise<MoveCounts & { failedUids: string[]; cancelled: boolean }> {
  const counts: MoveCounts = { remaining: plan.items.length, completed: 0, failed: 0, warning: 0 };
  const failedUids: string[] = [];
  await storeInstancesToRemote(ctx.config, plan.destination, plan.items, {
    isCancelled,
    onResult: (index, status) => {
      counts.remaining--;
      if (status === 0x0000) counts.completed++;
      else if (status >= 0xb000 && status <= 0xbfff) counts.warning++;
      else { counts.failed++; failedUids.push(plan.items[index].sopInstanceUid); }
      onProgress({ ...counts });
    },
  });
  const cancelled = counts.remaining > 0;
  await recordAudit(ctx.db, {
    ...auditBase(ctx), action: 'dimse.move', resourceType: 'RemoteAe', resourceId: plan.destination.id, outcome: counts.failed === 0 && !cancelled ? 'SUCCESS' : 'FAILURE',
    details: { moveDestination: plan.destination.aeTitle, instances: plan.items.length, completed: counts.completed, failed: counts.failed, warning: counts.warning, cancelled },
  });
  return { ...counts, failedUids, cancelled };
}

// The review workflow (issue: review): NEW → ASSIGNED → IN_PROGRESS → SUBMITTED → (SECOND_READ →)
// FINAL, or REJECTED / CANCELLED. Every transition locks the task row, checks who may do it,
// writes its audit row in the same transaction, and refuses illegal moves with a clear error.
import { randomInt } from 'node:crypto';
import { appendAudit, inSqlTransaction, poolSql, recordAudit, type Sql, type Tx } from '@imaging/db';
import { can, requirePermission, type Principal } from '@imaging/auth';
import { Conflict, Forbidden, Invalid, NotFound } from '@imaging/errors';
import { countSet, encodeMask, unpackBits } from '@imaging/ml';
import { auditBase, type DomainContext, type Services } from '../context';
import { checkMeasurementShapes, measurementsOf, storeMeasurements, type MeasurementInput, type MeasurementRow } from './measurements';

export type ReviewState = 'NEW' | 'ASSIGNED' | 'IN_PROGRESS' | 'SUBMITTED' | 'SECOND_READ' | 'FINAL' | 'REJECTED' | 'CANCELLED';
export type ReviewDecisionKind = 'APPROVE' | 'CORRECT' | 'REJECT';
export const OPEN_STATES: ReviewState[] = ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'SECOND_READ'];
export const LABELS = ['lesion', 'none'] as const;

export interface ReviewTaskRow {
  id: string; seriesDbId: string; studyDbId: string; aiResultId: string | null; state: ReviewState; urgent: boolean;
  aiLabel: string | null; aiScore: number | null; assigneeId: string | null; firstReaderId: string | null;
  /** The AI result is OUT_OF_DOMAIN: no AI label to approve. */
  outOfDomain: boolean;
  secondReadRequired: boolean; secondReadReason: string | null; disagreement: boolean | null;
  claimedAt: Date | null; lastActivityAt: Date | null; createdAt: Date; updatedAt: Date; priority: number;
}

/** The review task of a series, if it has one (read at the start of the AI result's transaction). */
export function reviewTaskOfSeries(tx: Tx, seriesDbId: string): Promise<{ id: string; state: ReviewState } | null> {
  return tx.reviewTask.findUnique({ where: { seriesDbId }, select: { id: true, state: true } });
}

/** Whether no reader has worked on the case yet, so a new AI result may replace what the AI gave before. */
export function untouchedByReaders(task: { state: ReviewState } | null): boolean {
  return !task || task.state === 'NEW';
}

/**
 * Offers a series' new AI result for review, in the result's transaction: a NEW task when the
 * series has none, else the untouched task points at the new result (call only when
 * untouchedByReaders). Outside the model's domain the task carries no AI label or score, only the flag.
 */
export async function offerForReview(
  tx: Tx, task: { id: string } | null,
  offer: { seriesDbId: string; studyDbId: string; aiResultId: string; label: string; score: number; inDomain: boolean },
): Promise<void> {
  const ai = offer.inDomain ? { aiLabel: offer.label, aiScore: offer.score, outOfDomain: false } : { aiLabel: null, aiScore: null, outOfDomain: true };
  if (!task) {
    await tx.reviewTask.create({ data: { seriesDbId: offer.seriesDbId, studyDbId: offer.studyDbId, aiResultId: offer.aiResultId, state: 'NEW', ...ai } });
  } else {
    await tx.reviewTask.update({ where: { id: task.id }, data: { aiResultId: offer.aiResultId, ...ai, updatedAt: new Date() } });
  }
}

/** Priority: urgent first, then AI suspicion, then waiting time (capped at two days). */
export const PRIORITY_SQL = `(CASE WHEN t.urgent THEN 100 ELSE 0 END + 50 * COALESCE(t."aiScore", 0)
  + LEAST(EXTRACT(EPOCH FROM (now() - t."createdAt")) / 3600.0, 48) * 0.5)::float8`;
const TASK_COLUMNS = `t.id, t."seriesDbId", t."studyDbId", t."aiResultId", t.state::text AS state, t.urgent, t."aiLabel", t."aiScore", t."outOfDomain",
  t."assigneeId", t."firstReaderId", t."secondReadRequired", t."secondReadReason", t.disagreement, t."claimedAt", t."lastActivityAt",
  t."createdAt", t."updatedAt", ${PRIORITY_SQL} AS priority`;
/** A task with what the worklist shows of its study, series, patient and reader. */
const WORKLIST_JOINS = `JOIN "Series" se ON se.id = t."seriesDbId" JOIN "Study" st ON st.id = t."studyDbId"
  JOIN "Patient" p ON p.id = st."patientDbId" LEFT JOIN "User" u ON u.id = t."assigneeId"`;
const WORKLIST_EXTRA = `st."studyInstanceUid", se."seriesInstanceUid", p."patientName", p."patientId",
    st.description AS "studyDescription", se.modality, u."displayName" AS "assigneeName",
    (SELECT count(*)::int FROM "Instance" i WHERE i."seriesDbId" = t."seriesDbId") AS slices`;
const WORKLIST_SELECT = `SELECT ${TASK_COLUMNS}, ${WORKLIST_EXTRA} FROM "ReviewTask" t ${WORKLIST_JOINS}`;

function reader(ctx: DomainContext): string {
  requirePermission(ctx.principal, 'review:perform');
  if (ctx.principal.kind !== 'user') throw new Forbidden('review decisions are made by a signed-in person, not an API key');
  return ctx.principal.id;
}

function isManager(p: Principal): boolean {
  return p.kind !== 'anonymous' && (p.role === 'ADMIN');
}

async function lockTask(sql: Sql, id: string): Promise<ReviewTaskRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Invalid('review task id must be a UUID');
  const [task] = await sql.query<ReviewTaskRow>(`SELECT ${TASK_COLUMNS} FROM "ReviewTask" t WHERE t.id = $1 FOR UPDATE`, [id]);
  if (!task) throw new NotFound(`review task ${id}`);
  return task;
}

function illegal(task: ReviewTaskRow, action: string): never {
  throw new Conflict(`cannot ${action} a review task in state ${task.state}`, { state: task.state });
}

async function update(sql: Sql, id: string, fields: Record<string, unknown>): Promise<void> {
  const keys = Object.keys(fields);
  const sets = keys.map((k, i) => (k === 'state' ? `state = $${i + 2}::"ReviewState"` : `"${k}" = $${i + 2}`));
  await sql.query(`UPDATE "ReviewTask" SET ${sets.join(', ')}, "updatedAt" = now() WHERE id = $1`, [id, ...keys.map((k) => fields[k])]);
}

async function audit(sql: Sql, ctx: DomainContext, action: string, task: ReviewTaskRow, details: Record<string, unknown>) {
  await appendAudit(sql, { ...auditBase(ctx), action: `review.${action}`, resourceType: 'ReviewTask', resourceId: task.id, outcome: 'SUCCESS', details: { from: task.state, ...details } });
}

/** The task as the worklist shows it, after a transition (inside its transaction). */
async function reload(sql: Sql, id: string): Promise<WorklistRow> {
  const [task] = await sql.query<WorklistRow>(`${WORKLIST_SELECT} WHERE t.id = $1`, [id]);
  return task;
}

/** Claim from the worklist: a NEW task, or an unclaimed second read (not by its first reader). Exactly one of concurrent claims wins. */
export async function claimReviewTask(ctx: DomainContext, id: string): Promise<WorklistRow> {
  const me = reader(ctx);
  return inSqlTransaction(ctx.db, async (sql) => {
    const task = await lockTask(sql, id);
    if (task.state === 'NEW' && !task.assigneeId) {
      await update(sql, id, { state: 'ASSIGNED', assigneeId: me, claimedAt: new Date(), lastActivityAt: new Date() });
    } else if (task.state === 'SECOND_READ' && !task.assigneeId) {
      if (task.firstReaderId === me) throw new Conflict('the first reader cannot do the second read of the same case');
      await update(sql, id, { assigneeId: me, claimedAt: new Date(), lastActivityAt: new Date() });
    } else if (task.assigneeId && task.assigneeId !== me) {
      throw new Conflict('this task is already claimed by another radiologist', { state: task.state });
    } else {
      illegal(task, 'claim');
    }
    await audit(sql, ctx, 'claim', task, { to: task.state === 'NEW' ? 'ASSIGNED' : task.state });
    return reload(sql, id);
  });
}

/** Opening the case: ASSIGNED → IN_PROGRESS (a second read stays SECOND_READ). */
export async function startReviewTask(ctx: DomainContext, id: string): Promise<WorklistRow> {
  const me = reader(ctx);
  return inSqlTransaction(ctx.db, async (sql) => {
    const task = await lockTask(sql, id);
    if (task.assigneeId !== me) throw new Forbidden('only the radiologist who claimed this task can work on it');
    if (task.state === 'ASSIGNED') await update(sql, id, { state: 'IN_PROGRESS', lastActivityAt: new Date() });
    else if (task.state === 'IN_PROGRESS' || task.state === 'SECOND_READ') await update(sql, id, { lastActivityAt: new Date() });
    else illegal(task, 'start');
    await audit(sql, ctx, 'start', task, { to: task.state === 'ASSIGNED' ? 'IN_PROGRESS' : task.state });
    return reload(sql, id);
  });
}

export interface EditedMask { sopInstanceUid: string; /** base64 of the bit-packed mask (rows × columns bits, MSB first) */ data: string }

export interface SubmitInput {
  decision: ReviewDecisionKind;
  /** The reader's label (CORRECT: required; APPROVE: the AI's; REJECT: none). */
  label?: string | null;
  comment?: string | null;
  /** CORRECT: the slices the reader changed. */
  masks?: EditedMask[];
  /** What the reader measured in the viewer (any decision), saved with the decision. */
  measurements?: MeasurementInput[] | null;
}

/** Decides whether a first read goes to a second reader: AI/reader disagreement, or a random share. */
export function secondReadPolicy(aiLabel: string | null, readerLabel: string | null, decision: ReviewDecisionKind, share: number, draw: () => number = () => randomInt(1_000_000) / 1_000_000): string | null {
  if (decision === 'REJECT') return 'AI result rejected';
  if (aiLabel && readerLabel && aiLabel !== readerLabel) return 'AI and reader disagree';
  if (share > 0 && draw() < share) return 'random quality sample';
  return null;
}

async function storeCorrection(sql: Sql, task: ReviewTaskRow, me: string, label: string, masks: EditedMask[]): Promise<{ annotationId: string; version: number; slices: number }> {
  const uids = masks.map((m) => m.sopInstanceUid);
  if (new Set(uids).size !== uids.length) throw new Invalid('each slice may appear once in masks');
  const instances = await sql.query<{ id: string; sop: string; rows: number | null; columns: number | null }>(
    `SELECT id, "sopInstanceUid" AS sop, rows, columns FROM "Instance" WHERE "seriesDbId" = $1 AND "sopInstanceUid" = ANY($2::text[])`, [task.seriesDbId, uids]);
  const bySop = new Map(instances.map((i) => [i.sop, i]));
  const [{ next }] = await sql.query<{ next: number }>(`SELECT COALESCE(max(version), -1) + 1 AS next FROM "AnnotationVersion" WHERE "seriesDbId" = $1`, [task.seriesDbId]);
  const [annotation] = await sql.query<{ id: string }>(
    `INSERT INTO "AnnotationVersion" (id, "seriesDbId", version, source, "authorId", "reviewTaskId", label, "createdAt")
     VALUES (gen_random_uuid(), $1, $2, 'READER', $3, $4, $5, now()) RETURNING id`, [task.seriesDbId, next, me, task.id, label]);
  for (const m of masks) {
    const instance = bySop.get(m.sopInstanceUid);
    if (!instance || !instance.rows || !instance.columns) throw new Invalid(`slice ${m.sopInstanceUid} is not an image of this task's series`);
    const pixels = instance.rows * instance.columns;
    const packed = Buffer.from(m.data, 'base64');
    if (packed.length !== Math.ceil(pixels / 8)) throw new Invalid(`mask of slice ${m.sopInstanceUid} has ${packed.length} bytes; ${instance.rows}×${instance.columns} needs ${Math.ceil(pixels / 8)}`);
    const mask = unpackBits(packed, pixels);
    await sql.query(`INSERT INTO "MaskSlice" ("annotationId", "instanceDbId", rows, columns, area, data) VALUES ($1, $2, $3, $4, $5, $6)`,
      [annotation.id, instance.id, instance.rows, instance.columns, countSet(mask), Buffer.from(encodeMask(mask))]);
  }
  return { annotationId: annotation.id, version: next, slices: masks.length };
}

/** Approve, correct or reject: the first read (then FINAL, REJECTED or SECOND_READ by policy) or the second read (then FINAL/REJECTED). */
export async function submitReview(ctx: DomainContext, id: string, input: SubmitInput): Promise<WorklistRow> {
  const me = reader(ctx);
  if (!['APPROVE', 'CORRECT', 'REJECT'].includes(input.decision)) throw new Invalid('decision must be APPROVE, CORRECT or REJECT');
  const comment = input.comment?.trim() || null;
  if (comment && comment.length > 2000) throw new Invalid('comment must be at most 2000 characters');
  if (input.decision === 'REJECT' && !comment) throw new Invalid('a rejection needs a reason in the comment');
  if (input.decision === 'CORRECT') {
    if (!input.label || !(LABELS as readonly string[]).includes(input.label)) throw new Invalid(`a correction needs a label: ${LABELS.join(' or ')}`);
    if (!input.masks?.length && input.label === 'lesion') throw new Invalid('a correction to "lesion" needs the edited mask of at least one slice');
  }
  if (input.decision !== 'CORRECT' && input.masks?.length) throw new Invalid('masks are only accepted with a CORRECT decision');
  const measurements = input.measurements ?? [];
  checkMeasurementShapes(measurements);
  return inSqlTransaction(ctx.db, async (sql) => {
    const task = await lockTask(sql, id);
    if (task.assigneeId !== me) throw new Forbidden('only the radiologist who claimed this task can submit it');
    const second = task.state === 'SECOND_READ';
    if (!second && task.state !== 'IN_PROGRESS' && task.state !== 'ASSIGNED') illegal(task, 'submit');
    // an out-of-domain series has no AI read to agree with: the reader labels it (CORRECT) or rejects it
    if (input.decision === 'APPROVE' && task.outOfDomain) throw new Invalid('the AI result is out of its domain: there is no AI label to approve; CORRECT (with a label) or REJECT');
    const label = input.decision === 'APPROVE' ? task.aiLabel : input.decision === 'CORRECT' ? input.label! : null;
    const correction = input.decision === 'CORRECT' && input.masks?.length ? await storeCorrection(sql, task, me, label!, input.masks) : null;
    const [decision] = await sql.query<{ id: string }>(
      `INSERT INTO "ReviewDecision" (id, "taskId", "readerId", read, decision, label, comment, "annotationId", "createdAt")
       VALUES (gen_random_uuid(), $1, $2, $3, $4::"ReviewDecisionKind", $5, $6, $7, now()) RETURNING id`,
      [id, me, second ? 2 : 1, input.decision, label, comment, correction?.annotationId ?? null]);
    const measured = await storeMeasurements(sql, task.seriesDbId, decision.id, measurements);
    const details = {
      decision: input.decision, label, correctedSlices: correction?.slices ?? 0, annotationVersion: correction?.version ?? null,
      measurements: measured, measurementTools: [...new Set(measurements.map((m) => m.tool))].sort(),
    };
    if (second) {
      const [first] = await sql.query<{ decision: string; label: string | null }>(`SELECT decision::text AS decision, label FROM "ReviewDecision" WHERE "taskId" = $1 AND read = 1`, [id]);
      const disagreement = !first || first.decision === 'REJECT' ? input.decision !== 'REJECT' : first.label !== label || input.decision === 'REJECT';
      const to = input.decision === 'REJECT' ? 'REJECTED' : 'FINAL';
      await update(sql, id, { state: to, assigneeId: null, disagreement, lastActivityAt: new Date() });
      await audit(sql, ctx, 'second-read', task, { ...details, to, disagreement, firstDecision: first?.decision ?? null, firstLabel: first?.label ?? null });
    } else {
      await update(sql, id, { state: 'SUBMITTED', lastActivityAt: new Date() });
      await audit(sql, ctx, 'submit', task, { ...details, to: 'SUBMITTED' });
      const reason = secondReadPolicy(task.aiLabel, label, input.decision, ctx.config.reviewSecondReadShare);
      const submitted = { ...task, state: 'SUBMITTED' as const };
      if (reason) {
        await update(sql, id, { state: 'SECOND_READ', assigneeId: null, firstReaderId: me, secondReadRequired: true, secondReadReason: reason, claimedAt: null });
        await audit(sql, ctx, 'route', submitted, { to: 'SECOND_READ', reason });
      } else {
        const to = input.decision === 'REJECT' ? 'REJECTED' : 'FINAL';
        await update(sql, id, { state: to, assigneeId: null, firstReaderId: me });
        await audit(sql, ctx, 'route', submitted, { to });
      }
    }
    return reload(sql, id);
  });
}

/** Admin: give a task to a radiologist (or back to the pool with userId null). */
export async function assignReviewTask(ctx: DomainContext, id: string, userId: string | null): Promise<WorklistRow> {
  requirePermission(ctx.principal, 'review:manage');
  return inSqlTransaction(ctx.db, async (sql) => {
    const task = await lockTask(sql, id);
    if (!OPEN_STATES.includes(task.state)) illegal(task, userId ? 'assign' : 'unassign');
    if (userId) {
      const [user] = await sql.query<{ role: string; disabled: boolean }>(`SELECT role::text AS role, disabled FROM "User" WHERE id = $1`, [userId]);
      if (!user || user.disabled) throw new NotFound(`user ${userId}`);
      if (user.role !== 'RADIOLOGIST' && user.role !== 'ADMIN') throw new Invalid('review tasks go to radiologists (or admins)');
      if (task.state === 'SECOND_READ' && task.firstReaderId === userId) throw new Conflict('the first reader cannot do the second read of the same case');
    }
    const to: ReviewState = task.state === 'SECOND_READ' ? 'SECOND_READ' : userId ? 'ASSIGNED' : 'NEW';
    await update(sql, id, { state: to, assigneeId: userId, claimedAt: userId ? new Date() : null, lastActivityAt: new Date() });
    await audit(sql, ctx, userId ? 'assign' : 'unassign', task, { to, assigneeId: userId, previousAssigneeId: task.assigneeId });
    return reload(sql, id);
  });
}

/** Admin: withdraw a task that should not be read (duplicate, wrong patient, ...). */
export async function cancelReviewTask(ctx: DomainContext, id: string, reason: string): Promise<WorklistRow> {
  requirePermission(ctx.principal, 'review:manage');
  if (!reason?.trim()) throw new Invalid('cancelling needs a reason');
  return inSqlTransaction(ctx.db, async (sql) => {
    const task = await lockTask(sql, id);
    if (!OPEN_STATES.includes(task.state)) illegal(task, 'cancel');
    await update(sql, id, { state: 'CANCELLED', assigneeId: null });
    await audit(sql, ctx, 'cancel', task, { to: 'CANCELLED', reason: reason.trim().slice(0, 500) });
    return reload(sql, id);
  });
}

/** Admin: flag a study urgent; its tasks and queued processing move up. */
export async function setStudyUrgent(ctx: DomainContext, studyInstanceUid: string, urgent: boolean): Promise<number> {
  requirePermission(ctx.principal, 'review:manage');
  const changed = await inSqlTransaction(ctx.db, async (sql) => {
    const [study] = await sql.query<{ id: string }>(`SELECT id FROM "Study" WHERE "studyInstanceUid" = $1`, [studyInstanceUid]);
    if (!study) throw new NotFound(`study ${studyInstanceUid}`);
    const tasks = await sql.query(`UPDATE "ReviewTask" SET urgent = $2, "updatedAt" = now() WHERE "studyDbId" = $1 RETURNING id`, [study.id, urgent]);
    await sql.query(`UPDATE "SeriesProcessing" SET urgent = $2, "updatedAt" = now() WHERE "studyDbId" = $1`, [study.id, urgent]);
    await appendAudit(sql, { ...auditBase(ctx), action: 'study.urgent', resourceType: 'Study', resourceId: studyInstanceUid, outcome: 'SUCCESS', details: { urgent, tasks: tasks.length } });
    return { count: tasks.length, studyId: study.id };
  });
  // series still waiting for the model move up (or back) in the infer queue at once
  const waiting = await poolSql(ctx.db).query<{ series: string; preprocessed: number }>(
    `SELECT p."seriesDbId" AS series,
            (SELECT count(*)::int FROM "Instance" i WHERE i."seriesDbId" = p."seriesDbId" AND i."preprocessedAt" IS NOT NULL) AS preprocessed
       FROM "SeriesProcessing" p WHERE p."studyDbId" = $1 AND p.state = 'QUEUED'`, [changed.studyId]);
  for (const w of waiting) await ctx.queues.reprioritiseInfer(w.series, w.preprocessed, urgent);
  return changed.count;
}

/** Claimed tasks idle for longer than the timeout go back to the pool (run by the worker). */
export async function releaseIdleTasks(services: Services, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - services.config.reviewClaimTimeoutMs);
  return inSqlTransaction(services.db, async (sql) => {
    const released = await sql.query<{ id: string; state: string; assigneeId: string }>(
      `UPDATE "ReviewTask" t SET state = (CASE WHEN t.state = 'SECOND_READ' THEN 'SECOND_READ' ELSE 'NEW' END)::"ReviewState",
              "assigneeId" = NULL, "claimedAt" = NULL, "updatedAt" = now()
        FROM (SELECT id, state::text AS old_state, "assigneeId" AS old_assignee FROM "ReviewTask"
               WHERE state IN ('ASSIGNED', 'IN_PROGRESS', 'SECOND_READ') AND "assigneeId" IS NOT NULL AND COALESCE("lastActivityAt", "claimedAt") < $1 FOR UPDATE) old
       WHERE t.id = old.id RETURNING t.id, old.old_state AS state, old.old_assignee AS "assigneeId"`, [cutoff]);
    for (const r of released) {
      await appendAudit(sql, { actorType: 'SYSTEM', actorId: 'system', action: 'review.release', resourceType: 'ReviewTask', resourceId: r.id, outcome: 'SUCCESS', details: { from: r.state, previousAssigneeId: r.assigneeId, reason: 'idle' } });
    }
    return released.length;
  });
}

/** Admin or system: hands NEW tasks, most urgent first, to the radiologists with the fewest open tasks. */
export async function autoAssignReviewTasks(ctx: DomainContext, limit = 50): Promise<number> {
  requirePermission(ctx.principal, 'review:manage');
  return inSqlTransaction(ctx.db, async (sql) => {
    const readers = await sql.query<{ id: string; open: number }>(
      `SELECT u.id, (SELECT count(*)::int FROM "ReviewTask" t WHERE t."assigneeId" = u.id AND t.state IN ('ASSIGNED', 'IN_PROGRESS', 'SECOND_READ')) AS open
         FROM "User" u WHERE u.role = 'RADIOLOGIST' AND NOT u.disabled ORDER BY u.id`);
    if (readers.length === 0) return 0;
    const tasks = await sql.query<ReviewTaskRow>(
      `SELECT ${TASK_COLUMNS} FROM "ReviewTask" t WHERE t.state = 'NEW' AND t."assigneeId" IS NULL ORDER BY priority DESC, t."createdAt" LIMIT $1 FOR UPDATE SKIP LOCKED`, [limit]);
    for (const task of tasks) {
      readers.sort((a, b) => a.open - b.open || a.id.localeCompare(b.id));
      const chosen = readers[0];
      await update(sql, task.id, { state: 'ASSIGNED', assigneeId: chosen.id, claimedAt: new Date(), lastActivityAt: new Date() });
      await audit(sql, ctx, 'assign', task, { to: 'ASSIGNED', assigneeId: chosen.id, automatic: true });
      chosen.open++;
    }
    return tasks.length;
  });
}

export interface WorklistFilter { states?: ReviewState[]; mine?: boolean; unassigned?: boolean; urgent?: boolean; aiLabel?: string }
export type WorklistSort = 'PRIORITY' | 'AGE' | 'SCORE';

export interface WorklistRow extends ReviewTaskRow {
  studyInstanceUid: string; seriesInstanceUid: string; patientName: string | null; patientId: string; studyDescription: string | null;
  modality: string | null; assigneeName: string | null; slices: number;
}

/** The worklist: open tasks by default, ordered by priority; offset cursors (priority moves with time). */
export async function worklist(ctx: DomainContext, options: { filter?: WorklistFilter; sort?: WorklistSort; first?: number; after?: string | null }) {
  requirePermission(ctx.principal, 'phi:read');
  const first = options.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > 200) throw new Invalid('first must be between 1 and 200');
  const offset = options.after ? Number(Buffer.from(options.after, 'base64url').toString()) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw new Invalid('after is not a cursor from this worklist');
  const f = options.filter ?? {};
  const where: string[] = [];
  const values: unknown[] = [];
  const states = f.states?.length ? f.states : OPEN_STATES;
  // compared as the enum, not as text, so the (state, urgent) index serves it
  values.push(states); where.push(`t.state = ANY($${values.length}::"ReviewState"[])`);
  if (f.mine) {
    if (ctx.principal.kind !== 'user') throw new Invalid('"mine" needs a signed-in user');
    values.push(ctx.principal.id); where.push(`t."assigneeId" = $${values.length}`);
  }
  if (f.unassigned) where.push('t."assigneeId" IS NULL');
  if (f.urgent !== undefined && f.urgent !== null) { values.push(f.urgent); where.push(`t.urgent = $${values.length}`); }
  if (f.aiLabel) { values.push(f.aiLabel); where.push(`t."aiLabel" = $${values.length}`); }
  const order = options.sort === 'AGE' ? 't."createdAt" ASC' : options.sort === 'SCORE' ? 't."aiScore" DESC NULLS LAST, t."createdAt" ASC' : 'priority DESC, t."createdAt" ASC';
  const sql = poolSql(ctx.db);
  const whereSql = where.join(' AND ');
  // the page of tasks first (filters and order are all on the task), then its joins: joining every
  // open task to its study and patient before sorting cost 98 ms at 3,000 open tasks (bench:scale)
  // (the total comes with the page, counted before the LIMIT; only a page past the end asks apart)
  const rows = await sql.query<WorklistRow & { total: number }>(
    `SELECT t.*, ${WORKLIST_EXTRA}
       FROM (SELECT ${TASK_COLUMNS}, (count(*) OVER ())::int AS total FROM "ReviewTask" t WHERE ${whereSql} ORDER BY ${order}, t.id LIMIT ${first + 1} OFFSET ${offset}) t
       ${WORKLIST_JOINS}
      ORDER BY ${order}, t.id`, values);
  const total = rows.length > 0 ? rows[0].total
    : (await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM "ReviewTask" t WHERE ${whereSql}`, values))[0].total;
  const page = rows.slice(0, first).map(({ total: _, ...row }) => taskAsSeenBy(ctx, row));
  // One audit row per worklist request, naming the tasks shown, never one per row.
  await recordAudit(ctx.db, { ...auditBase(ctx), action: 'worklist.read', resourceType: 'ReviewTask', resourceId: null, outcome: 'SUCCESS', details: { count: page.length, taskIds: page.map((r) => r.id) } });
  return {
    rows: page,
    cursors: page.map((_, i) => Buffer.from(String(offset + i + 1)).toString('base64url')),
    hasNextPage: rows.length > first,
    totalCount: total,
  };
}

export async function getReviewTask(ctx: DomainContext, id: string): Promise<WorklistRow> {
  requirePermission(ctx.principal, 'phi:read');
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Invalid('review task id must be a UUID');
  const sql = poolSql(ctx.db);
  const [row] = await sql.query<WorklistRow>(
    `${WORKLIST_SELECT} WHERE t.id = $1`, [id]);
  if (!row) throw new NotFound(`review task ${id}`);
  await recordAudit(ctx.db, { ...auditBase(ctx), action: 'review.read', resourceType: 'ReviewTask', resourceId: id, outcome: 'SUCCESS', details: { studyInstanceUid: row.studyInstanceUid } });
  return row;
}

/** Whether the caller must not yet see the first read: anyone but the first reader while the
 *  second read is open, except admins who are not doing the second read themselves. */
export function firstReadHidden(ctx: DomainContext, task: Pick<ReviewTaskRow, 'state' | 'firstReaderId' | 'assigneeId'>): boolean {
  if (task.state !== 'SECOND_READ') return false;
  const me = ctx.principal.kind === 'user' ? ctx.principal.id : null;
  if (me && me === task.firstReaderId) return false;
  return !(isManager(ctx.principal) && me !== task.assigneeId);
}

/** What a second reader may see of the task before submitting: the reason names the first
 *  decision ("AI and reader disagree"), so it reads as a neutral request until then. */
export const NEUTRAL_SECOND_READ_REASON = 'second read requested';

function blindTask<T extends Pick<ReviewTaskRow, 'state' | 'firstReaderId' | 'assigneeId' | 'secondReadReason'>>(ctx: DomainContext, task: T): T {
  if (!firstReadHidden(ctx, task)) return task;
  return { ...task, secondReadReason: task.secondReadReason === null ? null : NEUTRAL_SECOND_READ_REASON };
}

/** Integrators see the workflow, not who works it: reader names, ids and comments need review:identities. */
function seesIdentities(ctx: DomainContext): boolean {
  return can(ctx.principal, 'review:identities');
}

/** The task as this caller may see it: blind during a second read, without reader identities for integrators. */
export function taskAsSeenBy<T extends Pick<WorklistRow, 'state' | 'firstReaderId' | 'assigneeId' | 'secondReadReason' | 'assigneeName'>>(ctx: DomainContext, task: T): T {
  const blind = blindTask(ctx, task);
  return seesIdentities(ctx) ? blind : { ...blind, assigneeId: null, assigneeName: null };
}

export interface DecisionRow {
  id: string; readerId: string | null; readerName: string | null; read: number; decision: ReviewDecisionKind; label: string | null; comment: string | null;
  annotationVersion: number | null; createdAt: Date;
  /** Saved with the decision; hidden with it (a second reader sees the first read's only after their own). */
  measurements: MeasurementRow[];
}

export async function reviewDecisions(ctx: DomainContext, task: Pick<ReviewTaskRow, 'id' | 'state' | 'firstReaderId' | 'assigneeId'>): Promise<DecisionRow[]> {
  requirePermission(ctx.principal, 'phi:read');
  const sql = poolSql(ctx.db);
  const rows = await sql.query<Omit<DecisionRow, 'measurements'>>(
    `SELECT d.id, d."readerId", u."displayName" AS "readerName", d.read, d.decision::text AS decision, d.label, d.comment, av.version AS "annotationVersion", d."createdAt"
       FROM "ReviewDecision" d JOIN "User" u ON u.id = d."readerId" LEFT JOIN "AnnotationVersion" av ON av.id = d."annotationId"
      WHERE d."taskId" = $1 ORDER BY d.read`, [task.id]);
  const shown = firstReadHidden(ctx, task) ? rows.filter((r) => r.read !== 1) : rows;
  // measurements only of the decisions this caller may see, so a hidden read's never leave the database
  const measurements = await measurementsOf(sql, shown.map((r) => r.id));
  const visible: DecisionRow[] = shown.map((r) => ({ ...r, measurements: measurements.filter((m) => m.decisionId === r.id) }));
  return seesIdentities(ctx) ? visible : visible.map((r) => ({ ...r, readerId: null, readerName: null, comment: null }));
}

export interface AnnotationVersionRow { id: string; version: number; source: string; authorId: string | null; authorName: string | null; label: string | null; slices: number; createdAt: Date }

/** Every annotation version of the task's series; a second reader does not see the first reader's until submitting. */
export async function annotationVersions(ctx: DomainContext, task: Pick<ReviewTaskRow, 'seriesDbId' | 'state' | 'firstReaderId' | 'assigneeId'>): Promise<AnnotationVersionRow[]> {
  requirePermission(ctx.principal, 'phi:read');
  const rows = await poolSql(ctx.db).query<AnnotationVersionRow>(
    `SELECT av.id, av.version, av.source::text AS source, av."authorId", u."displayName" AS "authorName", av.label,
            (SELECT count(*)::int FROM "MaskSlice" ms WHERE ms."annotationId" = av.id) AS slices, av."createdAt"
       FROM "AnnotationVersion" av LEFT JOIN "User" u ON u.id = av."authorId" WHERE av."seriesDbId" = $1 ORDER BY av.version`, [task.seriesDbId]);
  const visible = firstReadHidden(ctx, task) ? rows.filter((r) => r.authorId !== task.firstReaderId) : rows;
  return seesIdentities(ctx) ? visible : visible.map((r) => ({ ...r, authorId: null, authorName: null }));
}

/** Fingerprint of the worklist (count and newest change), for the worklistChanged subscription. */
export async function worklistFingerprint(services: Services): Promise<{ count: number; changedAt: Date | null }> {
  const [row] = await poolSql(services.db).query<{ count: number; changedAt: Date | null }>(`SELECT (count(*) FILTER (WHERE state IN ('NEW', 'ASSIGNED', 'IN_PROGRESS', 'SECOND_READ')))::int AS count, max("updatedAt") AS "changedAt" FROM "ReviewTask"`);
  return row;
}

// Uploaded model packages (the package itself arrives on POST /api/models) and the evaluation
// shape shared with ModelVersion.evaluation.
import { Arg, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { getModelUpload, listModelUploads, type ModelUploadView } from '@imaging/domain';
import type { GateVerdict, PackageSetEvaluation } from '@imaging/ml';
import type { GraphQLContext } from '../context';
import { ModelEvaluationType, ModelUploadType } from '../types/model-upload';

/** JSON stores NaN / ±∞ as null: the curves' "undefined" values come back as null. */
const num = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A version's stored evaluation; `gate` is null for a version registered without one (the shipped first version). */
export function toEvaluation(e: { sets?: PackageSetEvaluation[]; gate?: GateVerdict | null } | null | undefined): ModelEvaluationType | null {
  if (!e?.sets) return null;
  return {
    sets: e.sets.map((s) => ({
      name: s.name, slices: s.slices, lesionSlices: s.lesionSlices, candidate: s.candidate, base: s.base,
      roc: s.curves.curves.roc.map((p) => ({ threshold: num(p.threshold), fpr: num(p.fpr), tpr: num(p.tpr) })),
      auc: num(s.curves.curves.auc),
      pr: s.curves.curves.pr.map((p) => ({ threshold: p.threshold, precision: num(p.precision), recall: num(p.recall) })),
      averagePrecision: num(s.curves.curves.averagePrecision),
      confusion: { threshold: s.curves.confusion.threshold, labels: s.curves.confusion.labels, matrix: s.curves.confusion.matrix },
      reliability: s.curves.reliability.bins.map((b) => ({ lower: b.lower, upper: b.upper, count: b.count, meanPredicted: num(b.meanPredicted), observed: num(b.observed) })),
      ece: num(s.curves.reliability.ece), brier: num(s.curves.reliability.brier),
    })),
    gatePassed: e.gate?.passed ?? null, gateReasons: e.gate?.reasons ?? [], gateRows: e.gate?.rows ?? null,
  };
}

export function toModelUpload(u: ModelUploadView): ModelUploadType {
  return { ...u, evaluation: toEvaluation(u.evaluation as Parameters<typeof toEvaluation>[0]) };
}

@Resolver()
export class ModelUploadResolver {
  @Query(() => ModelUploadType, { description: 'admin: an uploaded model package and its validation (POST /api/models returns its id)' })
  async modelUpload(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ModelUploadType> {
    return toModelUpload(await getModelUpload(ctx.domain, id));
  }

  @Query(() => [ModelUploadType], { description: 'admin: uploaded model packages, newest first' })
  async modelUploads(@Ctx() ctx: GraphQLContext, @Arg('first', () => Int, { nullable: true }) first?: number): Promise<ModelUploadType[]> {
    return (await listModelUploads(ctx.domain, first ?? 20)).map(toModelUpload);
  }
}

// Queries over the image index; nested fields go through the request's DataLoaders.
import { Arg, Args, Ctx, FieldResolver, Float, Int, Query, Resolver, Root } from 'type-graphql';
import { findStudies, getStudy, findPatients, getSeries, findInstances, encodeCursor } from '@imaging/domain';
import type { Instance, StudyRow, Series, Patient } from '@imaging/db';
import type { GraphQLContext } from '../context';
import { InstanceType, PatientType, SeriesType, StudyConnection, StudyType } from '../types/study';
import { StudiesArgs } from '../types/inputs';

function toStudy(row: StudyRow): StudyType {
  return {
    id: row.id, studyInstanceUid: row.studyInstanceUid, studyDate: row.studyDate ? row.studyDate.toISOString().slice(0, 10) : null,
    studyTime: row.studyTime, accessionNumber: row.accessionNumber, description: row.description, referringPhysician: row.referringPhysician,
    studyId: row.studyId, createdAt: row.createdAt, patientDbId: row.patientDbId,
  };
}

export function toInstance(i: Instance): InstanceType {
  const sizeBytes = Number(i.sizeBytes);
  const storedBytes = Number(i.storedBytes);
  return { ...i, sizeBytes, storedBytes, compressionRatio: storedBytes > 0 ? sizeBytes / storedBytes : 1 };
}

function toPatient(p: Patient): PatientType {
  return { id: p.id, patientId: p.patientId, issuer: p.issuer, patientName: p.patientName, birthDate: p.birthDate, sex: p.sex };
}

@Resolver(() => StudyType)
export class StudyResolver {
  @Query(() => StudyConnection, { description: 'Find studies; every call is audited' })
  async studies(@Args() args: StudiesArgs, @Ctx() ctx: GraphQLContext): Promise<StudyConnection> {
    const page = await findStudies(ctx.domain, { filter: args.filter, sort: args.sort, direction: args.direction, first: args.first, after: args.after });
    const nodes = page.rows.map(toStudy);
    return {
      nodes, edges: page.rows.map((r, i) => ({ cursor: encodeCursor(r), node: nodes[i] })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.endCursor }, totalCount: page.totalCount,
    };
  }

  @Query(() => StudyType)
  async study(@Arg('studyInstanceUid', () => String) uid: string, @Ctx() ctx: GraphQLContext): Promise<StudyType> {
    return toStudy(await getStudy(ctx.domain, uid));
  }

  @Query(() => [PatientType])
  async patients(
    @Ctx() ctx: GraphQLContext,
    @Arg('patientName', () => String, { nullable: true }) patientName?: string,
    @Arg('patientId', () => String, { nullable: true }) patientId?: string,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
  ): Promise<PatientType[]> {
    return (await findPatients(ctx.domain, { patientName, patientId, first })).map(toPatient);
  }

  @FieldResolver(() => PatientType)
  async patient(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<PatientType> {
    const p = await ctx.loaders.patient.load(study.patientDbId);
    if (!p) throw new Error('study without patient');
    return toPatient(p);
  }

  @FieldResolver(() => [SeriesType])
  series(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<Series[]> {
    return ctx.loaders.seriesOfStudy.load(study.id);
  }

  @FieldResolver(() => Int)
  async numberOfSeries(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<number> {
    return (await ctx.loaders.studyCounts.load(study.id)).series;
  }

  @FieldResolver(() => Int)
  async numberOfInstances(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<number> {
    return (await ctx.loaders.studyCounts.load(study.id)).instances;
  }

  @FieldResolver(() => [String], { description: 'ModalitiesInStudy' })
  async modalities(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<string[]> {
    return (await ctx.loaders.studyCounts.load(study.id)).modalities;
  }

  @FieldResolver(() => Float)
  async sizeBytes(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<number> {
    return Number((await ctx.loaders.studyCounts.load(study.id)).sizeBytes);
  }

  @FieldResolver(() => Float)
  async storedBytes(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<number> {
    return Number((await ctx.loaders.studyCounts.load(study.id)).storedBytes);
  }

  @FieldResolver(() => Float, { description: 'sizeBytes / storedBytes over the study' })
  async compressionRatio(@Root() study: StudyType, @Ctx() ctx: GraphQLContext): Promise<number> {
    const counts = await ctx.loaders.studyCounts.load(study.id);
    return counts.storedBytes > 0n ? Number(counts.sizeBytes) / Number(counts.storedBytes) : 1;
  }
}

@Resolver(() => SeriesType)
export class SeriesResolver {
  @Query(() => SeriesType, { name: 'series' })
  async seriesByUid(@Arg('seriesInstanceUid', () => String) uid: string, @Ctx() ctx: GraphQLContext): Promise<Series> {
    return getSeries(ctx.domain, uid);
  }

  @Query(() => [InstanceType], { name: 'instances' })
  async instancesOfSeries(@Arg('seriesInstanceUid', () => String) uid: string, @Ctx() ctx: GraphQLContext): Promise<InstanceType[]> {
    return (await findInstances(ctx.domain, uid)).map(toInstance);
  }

  @FieldResolver(() => [InstanceType])
  async instances(@Root() series: SeriesType, @Ctx() ctx: GraphQLContext): Promise<InstanceType[]> {
    return (await ctx.loaders.instancesOfSeries.load(series.id)).map(toInstance);
  }

  @FieldResolver(() => Int)
  async numberOfInstances(@Root() series: SeriesType, @Ctx() ctx: GraphQLContext): Promise<number> {
    return (await ctx.loaders.instancesOfSeries.load(series.id)).length;
  }
}

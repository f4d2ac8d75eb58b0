// De-identified research exports (admins): start, follow progress, read a project's pseudonyms (audited).
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { getDeidentifiedExport, listDeidentifiedExports, listPseudonyms, startDeidentifiedExport, type DeidentifiedExportView } from '@imaging/domain';
import type { GraphQLContext } from '../context';
import { DeidentifiedExportType, PseudonymType, StartDeidentifiedExportInput, type ExportDestinationEnum, type ExportStateEnum } from '../types/export';

function toType(v: DeidentifiedExportView): DeidentifiedExportType {
  return {
    ...v, state: v.state as ExportStateEnum, destination: v.destination as ExportDestinationEnum,
    archiveUrl: v.destination === 'ARCHIVE' && v.state === 'DONE' ? `/api/exports/${v.id}/archive` : null,
  };
}

@Resolver()
export class ExportResolver {
  @Mutation(() => DeidentifiedExportType, { description: 'Queue a de-identified export (PS3.15 Annex E Basic Profile) of studies to an archive or a remote AE (audited)' })
  async startDeidentifiedExport(@Arg('input', () => StartDeidentifiedExportInput) input: StartDeidentifiedExportInput, @Ctx() ctx: GraphQLContext): Promise<DeidentifiedExportType> {
    return toType(await startDeidentifiedExport(ctx.domain, input));
  }

  @Query(() => DeidentifiedExportType)
  async deidentifiedExport(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DeidentifiedExportType> {
    return toType(await getDeidentifiedExport(ctx.domain, id));
  }

  @Query(() => [DeidentifiedExportType], { description: 'newest first' })
  async deidentifiedExports(@Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number, @Ctx() ctx: GraphQLContext): Promise<DeidentifiedExportType[]> {
    return (await listDeidentifiedExports(ctx.domain, first)).map(toType);
  }

  @Query(() => [PseudonymType], { description: 'the private pseudonym table of a research project (admins; every read audited)' })
  pseudonyms(@Arg('project', () => String) project: string, @Ctx() ctx: GraphQLContext): Promise<PseudonymType[]> {
    return listPseudonyms(ctx.domain, project);
  }
}

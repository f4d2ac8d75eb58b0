// Storage totals for administrators (permission model:manage, as the admin pages that show them).
import { Ctx, Query, Resolver } from 'type-graphql';
import { getStorageStats } from '@imaging/domain';
import type { GraphQLContext } from '../context';
import { StorageStats } from '../types/storage';

@Resolver()
export class StorageResolver {
  @Query(() => StorageStats, { description: 'Original against stored bytes over the archive, by transfer syntax and modality (admins)' })
  storageStats(@Ctx() ctx: GraphQLContext): Promise<StorageStats> {
    return getStorageStats(ctx.domain);
  }
}

import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { listAuditEvents, verifyAudit } from '@imaging/domain';
import { requirePermission } from '@imaging/auth';
import type { GraphQLContext } from '../context';
import { AuditChainStatus, AuditEventConnection } from '../types/user';
import { AuditFilterInput } from '../types/inputs';

@Resolver()
export class AuditResolver {
  @Query(() => AuditEventConnection, { description: 'Admins only; newest first' })
  async auditEvents(
    @Ctx() ctx: GraphQLContext,
    @Arg('filter', () => AuditFilterInput, { nullable: true }) filter?: AuditFilterInput,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<AuditEventConnection> {
    const page = await listAuditEvents(ctx.domain, { filter, first, after });
    return {
      nodes: page.rows.map((r) => ({ ...r, id: r.id.toString(), details: (r.details ?? null) as Record<string, unknown> | null })),
      hasNextPage: page.hasNextPage, endCursor: page.endCursor,
    };
  }

  @Query(() => AuditChainStatus, { description: 'Verifies the whole hash chain (admins only)' })
  async auditChainStatus(@Ctx() ctx: GraphQLContext): Promise<AuditChainStatus> {
    requirePermission(ctx.domain.principal, 'audit:read');
    return verifyAudit(ctx.domain);
  }
}

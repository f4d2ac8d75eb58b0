// Remote AEs (admins only): list, create, update, delete, verify by C-ECHO. Each change is audited in the domain.
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { createRemoteAe, deleteRemoteAe, listRemoteAes, updateRemoteAe, verifyRemoteAe } from '@imaging/domain';
import { Invalid } from '@imaging/errors';
import type { GraphQLContext } from '../context';
import { RemoteAeInput, RemoteAeType, RemoteAeVerification } from '../types/remote-ae';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function remoteAeId(value: string): string {
  if (!UUID.test(value)) throw new Invalid('id must be a UUID');
  return value;
}

@Resolver()
export class RemoteAeResolver {
  @Query(() => [RemoteAeType])
  remoteAes(@Ctx() ctx: GraphQLContext): Promise<RemoteAeType[]> {
    return listRemoteAes(ctx.domain);
  }

  @Mutation(() => RemoteAeType)
  createRemoteAe(@Arg('input', () => RemoteAeInput) input: RemoteAeInput, @Ctx() ctx: GraphQLContext): Promise<RemoteAeType> {
    return createRemoteAe(ctx.domain, input);
  }

  @Mutation(() => RemoteAeType)
  updateRemoteAe(@Arg('id', () => ID) id: string, @Arg('input', () => RemoteAeInput) input: RemoteAeInput, @Ctx() ctx: GraphQLContext): Promise<RemoteAeType> {
    return updateRemoteAe(ctx.domain, remoteAeId(id), input);
  }

  @Mutation(() => RemoteAeType, { description: 'Returns the deleted AE' })
  deleteRemoteAe(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<RemoteAeType> {
    return deleteRemoteAe(ctx.domain, remoteAeId(id));
  }

  @Mutation(() => RemoteAeVerification, { description: 'C-ECHO from our AE title to the remote (audited)' })
  verifyRemoteAe(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<RemoteAeVerification> {
    return verifyRemoteAe(ctx.domain, remoteAeId(id));
  }
}

// Remote AEs (admins only): list, create, update, delete, verify by C-ECHO. Each change is audited in the domain.
// Sending to one (remoteAe:send: admins and radiologists) is a C-STORE of series and SEGs, audited too.
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { createRemoteAe, deleteRemoteAe, listRemoteAeDestinations, listRemoteAes, storeToRemoteAe, updateRemoteAe, verifyRemoteAe } from '@imaging/domain';
import { Invalid } from '@imaging/errors';
import type { GraphQLContext } from '../context';
import { RemoteAeInput, RemoteAeType, RemoteAeVerification, StoreToRemoteAeInput, StoreToRemoteAeResult } from '../types/remote-ae';

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

  @Query(() => [RemoteAeType], { description: 'enabled remote AEs one may send to (remoteAe:send)' })
  remoteAeDestinations(@Ctx() ctx: GraphQLContext): Promise<RemoteAeType[]> {
    return listRemoteAeDestinations(ctx.domain);
  }

  @Mutation(() => StoreToRemoteAeResult, { description: 'C-STORE of series of a study (and annotation versions as DICOM SEG) to an enabled remote AE (audited)' })
  storeToRemoteAe(@Arg('input', () => StoreToRemoteAeInput) input: StoreToRemoteAeInput, @Ctx() ctx: GraphQLContext): Promise<StoreToRemoteAeResult> {
    return storeToRemoteAe(ctx.domain, input);
  }
}

// Identity and administration: me, login/logout, users, roles, API keys.
import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import { login, logout, createUser, setUserRole, setUserDisabled, revokeSessionsOfUser, listUsers, createApiKey, revokeApiKey, listApiKeys } from '@imaging/domain';
import { ROLE_PERMISSIONS } from '@imaging/auth';
import { Invalid } from '@imaging/errors';
import type { GraphQLContext } from '../context';
import { ApiKeyType, CreatedApiKey, LoginPayload, Role, UserType, Viewer } from '../types/user';
import { CreateUserInput } from '../types/inputs';
import { SESSION_COOKIE, cookieSecure } from '../../http/request-context';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function uuid(value: string, what: string): string {
  if (!UUID.test(value)) throw new Invalid(`${what} must be a UUID`);
  return value;
}

@Resolver()
export class AccountResolver {
  @Query(() => Viewer, { nullable: true, description: 'The caller, or null when not authenticated' })
  me(@Ctx() ctx: GraphQLContext): Viewer | null {
    const p = ctx.domain.principal;
    if (p.kind === 'anonymous' || p.kind === 'system') return null;
    return {
      kind: p.kind, id: p.id, role: p.role as Role, email: p.kind === 'user' ? p.email : null, name: p.kind === 'apiKey' ? p.name : null,
      permissions: [...ROLE_PERMISSIONS[p.role]],
    };
  }

  @Mutation(() => LoginPayload, { description: 'Sets an httpOnly session cookie' })
  async login(
    @Arg('email', () => String) email: string,
    @Arg('password', () => String) password: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LoginPayload> {
    const result = await login(ctx.domain, email, password);
    ctx.res.cookie(SESSION_COOKIE, result.token, {
      httpOnly: true, sameSite: 'lax', secure: cookieSecure(ctx.domain.config.cookieSecure, ctx.res.req), path: '/', expires: result.expiresAt,
    });
    return { user: result.user as UserType, expiresAt: result.expiresAt };
  }

  @Mutation(() => Boolean)
  async logout(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    const done = await logout(ctx.domain);
    ctx.res.clearCookie(SESSION_COOKIE, { path: '/' });
    return done;
  }

  @Query(() => [UserType])
  async users(@Ctx() ctx: GraphQLContext): Promise<UserType[]> {
    return (await listUsers(ctx.domain)) as UserType[];
  }

  @Mutation(() => UserType)
  async createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: GraphQLContext): Promise<UserType> {
    return (await createUser(ctx.domain, input)) as UserType;
  }

  @Mutation(() => UserType)
  async setUserRole(@Arg('userId', () => ID) userId: string, @Arg('role', () => Role) role: Role, @Ctx() ctx: GraphQLContext): Promise<UserType> {
    return (await setUserRole(ctx.domain, uuid(userId, 'userId'), role)) as UserType;
  }

  @Mutation(() => UserType, { description: 'Disabling also ends every session of the user' })
  async setUserDisabled(@Arg('userId', () => ID) userId: string, @Arg('disabled', () => Boolean) disabled: boolean, @Ctx() ctx: GraphQLContext): Promise<UserType> {
    return (await setUserDisabled(ctx.domain, uuid(userId, 'userId'), disabled)) as UserType;
  }

  @Mutation(() => Int, { description: 'Signs the user out everywhere; returns the number of sessions ended' })
  async revokeUserSessions(@Arg('userId', () => ID) userId: string, @Ctx() ctx: GraphQLContext): Promise<number> {
    return revokeSessionsOfUser(ctx.domain, uuid(userId, 'userId'));
  }

  @Query(() => [ApiKeyType])
  async apiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKeyType[]> {
    return (await listApiKeys(ctx.domain)) as ApiKeyType[];
  }

  @Mutation(() => CreatedApiKey, { description: 'The key is in this response only; it is stored hashed' })
  async createApiKey(
    @Arg('name', () => String) name: string,
    @Arg('role', () => Role, { defaultValue: Role.INTEGRATOR }) role: Role,
    @Arg('expiresInDays', () => Int, { nullable: true, description: 'default and maximum: API_KEY_MAX_DAYS' }) expiresInDays: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreatedApiKey> {
    return (await createApiKey(ctx.domain, { name, role, expiresInDays })) as CreatedApiKey;
  }

  @Mutation(() => ApiKeyType)
  async revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiKeyType> {
    return (await revokeApiKey(ctx.domain, uuid(id, 'id'))) as ApiKeyType;
  }
}

import { Field, ID, ObjectType, Int, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';

export enum Role { ADMIN = 'ADMIN', RADIOLOGIST = 'RADIOLOGIST', INTEGRATOR = 'INTEGRATOR' }
registerEnumType(Role, { name: 'Role' });

@ObjectType()
export class UserType {
  @Field(() => ID) id!: string;
  @Field(() => String) email!: string;
  @Field(() => String) displayName!: string;
  @Field(() => Role) role!: Role;
  @Field(() => Boolean) disabled!: boolean;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'The caller: a logged-in user or an API key' })
export class Viewer {
  @Field(() => String, { description: 'user | apiKey' }) kind!: string;
  @Field(() => ID) id!: string;
  @Field(() => Role) role!: Role;
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => [String]) permissions!: string[];
}

@ObjectType()
export class LoginPayload {
  @Field(() => UserType) user!: UserType;
  @Field(() => Date) expiresAt!: Date;
}

@ObjectType()
export class ApiKeyType {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'first characters of the key, to tell keys apart' }) prefix!: string;
  @Field(() => Role) role!: Role;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => String, { description: 'the secret; shown only in this response' }) key!: string;
  @Field(() => ApiKeyType) apiKey!: ApiKeyType;
}

@ObjectType()
export class AuditEventType {
  @Field(() => String) id!: string;
  @Field(() => Date) at!: Date;
  @Field(() => String) actorType!: string;
  @Field(() => String, { nullable: true }) actorId!: string | null;
  @Field(() => String) action!: string;
  @Field(() => String) resourceType!: string;
  @Field(() => String, { nullable: true }) resourceId!: string | null;
  @Field(() => String) outcome!: string;
  @Field(() => String, { nullable: true }) requestId!: string | null;
  @Field(() => GraphQLJSONObject, { nullable: true }) details!: Record<string, unknown> | null;
  @Field(() => String) prevHash!: string;
  @Field(() => String) hash!: string;
}

@ObjectType()
export class AuditEventConnection {
  @Field(() => [AuditEventType]) nodes!: AuditEventType[];
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType()
export class AuditChainStatus {
  @Field(() => Boolean) ok!: boolean;
  @Field(() => Int) checked!: number;
  @Field(() => String, { nullable: true }) firstBadId!: string | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
}

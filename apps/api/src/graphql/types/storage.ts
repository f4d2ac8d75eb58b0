// GraphQL object types for the storage totals (admin): bytes received against bytes kept.
import { Field, Float, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Instances of one transfer syntax: bytes as received and as stored' })
export class TransferSyntaxStorage {
  @Field(() => String) transferSyntaxUid!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field(() => Int, { description: 'instances' }) count!: number;
  @Field(() => Float) originalBytes!: number;
  @Field(() => Float) storedBytes!: number;
  @Field(() => Float, { description: 'originalBytes / storedBytes' }) ratio!: number;
}

@ObjectType({ description: 'Instances of one modality: bytes as received and as stored' })
export class ModalityStorage {
  @Field(() => String, { nullable: true }) modality!: string | null;
  @Field(() => Int, { description: 'instances' }) count!: number;
  @Field(() => Float) originalBytes!: number;
  @Field(() => Float) storedBytes!: number;
  @Field(() => Float, { description: 'originalBytes / storedBytes' }) ratio!: number;
}

@ObjectType({ description: 'Archive totals: bytes as received (originalBytes) against bytes kept after lossless storage compression' })
export class StorageStats {
  @Field(() => Int) instances!: number;
  @Field(() => Int) studies!: number;
  @Field(() => Float) originalBytes!: number;
  @Field(() => Float) storedBytes!: number;
  @Field(() => Float, { description: 'originalBytes / storedBytes (1 for an empty archive)' }) ratio!: number;
  @Field(() => [TransferSyntaxStorage], { description: 'largest first' }) byTransferSyntax!: TransferSyntaxStorage[];
  @Field(() => [ModalityStorage], { description: 'largest first' }) byModality!: ModalityStorage[];
}

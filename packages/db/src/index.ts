export { createDb, closeDb, poolOf, inTransaction, type Db, type Tx } from './client';
export { createAdapter, type QueryCounter } from './adapter';
export * from './audit';
export * from './instances';
export { Prisma } from './generated/prisma/client';
export type { Patient, Study, Series, Instance, User, Session, ApiKey, AuditEvent } from './generated/prisma/client';
export { Role, ActorType, AuditOutcome } from './generated/prisma/enums';
export * from './studies';
export * from './sql';

// Roles and what each may do. One table, read by every check, walked whole by the RBAC matrix test.
import type { Role } from '@imaging/db';
import { Forbidden, Unauthenticated } from '@imaging/errors';

export const PERMISSIONS = [
  'phi:read',          // read patient / study / series / instance data and pixels
  'instance:write',    // ingest DICOM
  'audit:read',
  'user:manage',       // create users, change roles
  'apikey:manage',     // create and revoke API keys
  'review:perform',    // work review tasks
  'review:manage',     // assign, reassign, cancel review tasks
  'model:manage',      // register, promote, roll back model versions
  'review:identities', // see who read a case (names, ids) and what they wrote (comments)
  'remoteAe:manage',   // configure remote DICOM AEs (C-MOVE destinations, export targets)
  'remoteAe:send',     // send stored series (and their SEGs) to an enabled remote AE by C-STORE
  'export:deidentified', // start de-identified research exports, download them, read the pseudonym table
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  ADMIN: ['phi:read', 'instance:write', 'audit:read', 'user:manage', 'apikey:manage', 'review:perform', 'review:manage', 'model:manage', 'review:identities', 'remoteAe:manage', 'remoteAe:send', 'export:deidentified'],
  RADIOLOGIST: ['phi:read', 'instance:write', 'review:perform', 'review:identities', 'remoteAe:send'],
  INTEGRATOR: ['phi:read', 'instance:write'],
};

export type Principal =
  | { kind: 'user'; id: string; email: string; role: Role; sessionId: string }
  | { kind: 'apiKey'; id: string; name: string; role: Role }
  | { kind: 'system'; id: 'system'; role: 'ADMIN' }
  /** A DICOM peer on the DIMSE service: id is its calling AE title (PS3.8 §9.3.2), role what the service grants peers. */
  | { kind: 'dimse'; id: string; role: Role }
  | { kind: 'anonymous' };

export function can(principal: Principal, permission: Permission): boolean {
  if (principal.kind === 'anonymous') return false;
  return ROLE_PERMISSIONS[principal.role].includes(permission);
}

/** Throws Unauthenticated for anonymous callers and Forbidden for authenticated ones lacking it. */
export function requirePermission(principal: Principal, permission: Permission): void {
  if (principal.kind === 'anonymous') throw new Unauthenticated();
  if (!can(principal, permission)) throw new Forbidden(`role ${principal.role} may not ${permission}`);
}

export function actorOf(principal: Principal): { actorType: 'USER' | 'API_KEY' | 'SYSTEM' | 'DIMSE' | 'ANONYMOUS'; actorId: string | null } {
  switch (principal.kind) {
    case 'user': return { actorType: 'USER', actorId: principal.id };
    case 'apiKey': return { actorType: 'API_KEY', actorId: principal.id };
    case 'system': return { actorType: 'SYSTEM', actorId: 'system' };
    case 'dimse': return { actorType: 'DIMSE', actorId: principal.id };
    default: return { actorType: 'ANONYMOUS', actorId: null };
  }
}

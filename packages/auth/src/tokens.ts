// Opaque secrets (session tokens, API keys): random, shown once, stored only as SHA-256. A fast
// hash is enough here because the secrets have 256 bits of entropy (unlike passwords).
import { randomBytes, createHash } from 'node:crypto';

export const API_KEY_PREFIX = 'irp_';

export function newSecret(prefix = ''): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

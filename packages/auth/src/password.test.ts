import { hashPassword, verifyPassword, DUMMY_PASSWORD_HASH, validatePasswordStrength } from './password';
import { can, requirePermission, ROLE_PERMISSIONS, PERMISSIONS } from './permissions';
import { newApiKey, } from './credentials';
import { hashSecret } from './tokens';

describe('passwords', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored.startsWith('scrypt$')).toBe(true);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterx', stored)).toBe(false);
    expect(await verifyPassword('anything', DUMMY_PASSWORD_HASH)).toBe(false);
  });
  it('salts each hash', async () => {
    expect(await hashPassword('same password!')).not.toBe(await hashPassword('same password!'));
  });
  it('enforces a minimum length', () => {
    expect(validatePasswordStrength('short')).toMatch(/at least 10/);
    expect(validatePasswordStrength('long enough password')).toBeNull();
  });
});

describe('permissions', () => {
  it('anonymous has nothing; every role can read PHI; only admins manage', () => {
    for (const p of PERMISSIONS) expect(can({ kind: 'anonymous' }, p)).toBe(false);
    expect(ROLE_PERMISSIONS.INTEGRATOR).not.toContain('review:perform');
    expect(() => requirePermission({ kind: 'anonymous' }, 'phi:read')).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(() => requirePermission({ kind: 'apiKey', id: 'k', name: 'n', role: 'INTEGRATOR' }, 'audit:read'))
      .toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
  });
});

describe('api keys', () => {
  it('are prefixed, random and stored only as a hash', () => {
    const a = newApiKey();
    const b = newApiKey();
    expect(a.key).not.toBe(b.key);
    expect(a.key.startsWith('irp_')).toBe(true);
    expect(a.keyHash).toBe(hashSecret(a.key));
    expect(a.keyHash).not.toContain(a.key);
  });
});

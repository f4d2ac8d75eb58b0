// Demo data for a fresh `npm start`: one user per role (passwords generated and printed once)
// and a small synthetic CT study, both only when absent.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createUser, ingestInstances, type Services } from '@imaging/domain';
import { syntheticCtSeries } from '@imaging/dicom';
import type { Role } from '@imaging/db';

export const DEMO_USERS: { email: string; role: Role; displayName: string }[] = [
  { email: 'admin@example.org', role: 'ADMIN', displayName: 'Demo Admin' },
  { email: 'radiologist@example.org', role: 'RADIOLOGIST', displayName: 'Dr. Demo Reader' },
  { email: 'radiologist2@example.org', role: 'RADIOLOGIST', displayName: 'Dr. Second Reader' },
  { email: 'integrator@example.org', role: 'INTEGRATOR', displayName: 'Demo Integrator' },
];

function systemContext(services: Services) {
  return { ...services, principal: { kind: 'system' as const, id: 'system' as const, role: 'ADMIN' as const }, requestId: 'seed' };
}

export async function seedDemoUsers(services: Services, dataDir: string): Promise<{ email: string; password: string; role: Role }[]> {
  const created: { email: string; password: string; role: Role }[] = [];
  for (const u of DEMO_USERS) {
    if (await services.db.user.findUnique({ where: { email: u.email } })) continue;
    const password = randomBytes(9).toString('base64url');
    await createUser(systemContext(services), { ...u, password });
    created.push({ email: u.email, password, role: u.role });
  }
  if (created.length) {
    const file = path.join(dataDir, 'demo-credentials.txt');
    writeFileSync(file, created.map((c) => `${c.role}\t${c.email}\t${c.password}`).join('\n') + '\n', { mode: 0o600 });
  }
  return created;
}

export async function seedDemoStudy(services: Services, options: { slices?: number; size?: number } = {}): Promise<{ stored: number; studyInstanceUid: string }> {
  const { files, studyInstanceUid } = syntheticCtSeries({ seed: 1, slices: options.slices ?? 24, size: options.size ?? 256, studyDescription: 'DEMO CT CHEST' });
  if (await services.db.study.findUnique({ where: { studyInstanceUid } })) return { stored: 0, studyInstanceUid };
  const results = await ingestInstances(systemContext(services), files);
  return { stored: results.filter((r) => r.status === 'stored').length, studyInstanceUid };
}

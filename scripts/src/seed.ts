// Demo data for a fresh `npm start`: one user per role (passwords generated and printed once)
// and demo studies (phantom CTs with ground truth, a synthetic chest CT), only when absent.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createUser, ingestInstances, type Services } from '@imaging/domain';
import { syntheticCtSeries } from '@imaging/dicom';
import { phantomStudy } from '@imaging/testing';
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

/** Demo studies: two phantom CTs (one with lesions, one without) with known ground truth, and a
 *  synthetic chest CT. The worker preprocesses them and the AI reads them, so a fresh start has a
 *  worklist. Only what is absent is loaded. */
export async function seedDemoStudies(services: Services, options: { slices?: number; size?: number } = {}): Promise<{ stored: number; studies: number }> {
  const slices = options.slices ?? 32;
  const size = options.size ?? 512;
  const studies = [
    phantomStudy({ seed: 900_101, slices, size, lesionProbability: 1, patientName: 'PHANTOM^LESION', patientId: 'DEMO-101', studyDescription: 'CT ABDOMEN (PHANTOM, LESIONS)' }),
    phantomStudy({ seed: 900_102, slices, size, lesionProbability: 0, patientName: 'PHANTOM^CLEAR', patientId: 'DEMO-102', studyDescription: 'CT ABDOMEN (PHANTOM, NO LESION)' }),
    syntheticCtSeries({ seed: 1, slices: 24, size: 256, studyDescription: 'DEMO CT CHEST' }),
  ];
  let stored = 0;
  let loaded = 0;
  for (const study of studies) {
    if (await services.db.study.findUnique({ where: { studyInstanceUid: study.studyInstanceUid } })) continue;
    const results = await ingestInstances(systemContext(services), study.files);
    stored += results.filter((r) => r.status === 'stored').length;
    loaded++;
  }
  return { stored, studies: loaded };
}

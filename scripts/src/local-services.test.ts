// What `npm start` does when redis-server is missing: installs only when told to or on a yes at a
// terminal, and otherwise says exactly what to run.
import { planRedisInstall, type RedisInstallSituation } from './local-services';

const debian: RedisInstallSituation = { interactive: false, root: false, apt: true, sudo: true, assumeYes: false };

describe('planRedisInstall', () => {
  it('asks at a terminal, with sudo when not root', () => {
    const plan = planRedisInstall({ ...debian, interactive: true });
    expect(plan).toMatchObject({ kind: 'ask', shown: 'sudo apt-get install redis-server' });
    expect(plan.kind !== 'explain' && plan.command.slice(0, 3)).toEqual(['sudo', 'sh', '-c']);
  });

  it('installs without asking on --install-redis, as root without sudo', () => {
    const plan = planRedisInstall({ ...debian, root: true, sudo: false, assumeYes: true });
    expect(plan).toMatchObject({ kind: 'install', shown: 'apt-get install redis-server' });
    expect(plan.kind !== 'explain' && plan.command[0]).toBe('sh');
    expect(plan.kind !== 'explain' && plan.command[2]).toContain('apt-get install -y -qq --no-install-recommends redis-server');
  });

  it('never installs unasked when nobody can answer: it names the flag and REDIS_URL', () => {
    const plan = planRedisInstall(debian);
    expect(plan.kind).toBe('explain');
    expect(plan.kind === 'explain' && plan.message).toMatch(/npm start -- --install-redis/);
    expect(plan.kind === 'explain' && plan.message).toMatch(/REDIS_URL/);
  });

  it('explains where it cannot install: no apt, or neither root nor sudo', () => {
    expect(planRedisInstall({ ...debian, interactive: true, apt: false })).toMatchObject({ kind: 'explain' });
    expect(planRedisInstall({ ...debian, interactive: true, assumeYes: true, sudo: false })).toMatchObject({ kind: 'explain' });
  });
});

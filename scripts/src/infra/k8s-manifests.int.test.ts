// infra/k8s as a cluster would receive it: each overlay rendered by `kubectl kustomize`, every
// object validated against the Kubernetes OpenAPI schema (kubernetes-models, offline), and the
// KEDA triggers checked against the real queue names and the Redis keys BullMQ really writes.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { loadConfig } from '@imaging/config';
import { INFER, PREPROCESS, RETRAIN, openQueues } from '@imaging/jobs';

const K8S = path.join(__dirname, '..', '..', '..', 'infra', 'k8s');
const QUEUES = [PREPROCESS, INFER, RETRAIN];

// apiVersion/kind → model whose validate() checks the object against the OpenAPI schema
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap, 'v1/Service': Service, 'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment, 'batch/v1/Job': Job, 'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject, 'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

// Plain JSON of rendered manifests: typed loosely on purpose, the schema check is the models' job.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;

function render(overlay: string): Obj[] {
  const run = spawnSync('kubectl', ['kustomize', path.join(K8S, 'overlays', overlay)], { encoding: 'utf8' });
  // no skip: a machine without kubectl fails here (scripts/setup-system.sh installs it)
  if (run.error) throw new Error(`kubectl not runnable (${run.error.message}); run scripts/setup-system.sh`);
  if (run.status !== 0) throw new Error(`kubectl kustomize ${overlay} failed: ${run.stderr}`);
  return parseAllDocuments(run.stdout).map((d) => d.toJSON()).filter(Boolean);
}

describe.each(['small', 'large'])('infra/k8s overlay %s', (overlay) => {
  const objects = render(overlay);
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const named = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  it('renders only kinds it knows, each valid against its schema', () => {
    expect(objects.length).toBeGreaterThan(15);
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      if (!Model) throw new Error(`unexpected object ${o.apiVersion}/${o.kind} ${o.metadata?.name}`);
      expect(() => new Model(o as never).validate()).not.toThrow();
      expect(o.metadata.namespace).toBe('imaging');
    }
    expect(byKind('Deployment').map((d) => d.metadata.name).sort()).toEqual(['api', 'web', 'worker', 'worker-gpu']);
    expect(named('Job', 'migrate')).toBeDefined();
  });

  it('a schema violation is caught (the validator is not a no-op)', () => {
    const broken = structuredClone(named('Deployment', 'api'));
    broken.spec.replicas = 'two';
    expect(() => new Deployment(broken).validate()).toThrow(/replicas/);
  });

  it('references secrets, never ships one', () => {
    expect(byKind('Secret')).toEqual([]);
    const refs = JSON.stringify(objects).match(/"secretKeyRef":\{[^}]*\}/g) ?? [];
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r).toContain('"name":"imaging-secrets"');
  });

  it('runs every pod non-root with dropped capabilities, requests and memory limits', () => {
    for (const o of [...byKind('Deployment'), ...byKind('Job')]) {
      const pod = o.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: expect.any(Number) });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c.resources.requests).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
        expect(c.resources.limits.memory).toBeDefined();
      }
    }
  });

  it('probes the API and the workers on /healthz and /readyz of their own ports', () => {
    for (const [name, port] of [['api', 'http'], ['worker', 'metrics'], ['worker-gpu', 'metrics']]) {
      const c = named('Deployment', name).spec.template.spec.containers[0];
      expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port });
      expect(c.ports.map((p: Obj) => p.name)).toContain(port);
    }
    const config = named('ConfigMap', 'imaging-config').data;
    expect(named('Deployment', 'worker').spec.template.spec.containers[0].ports[0].containerPort).toBe(Number(config.WORKER_METRICS_PORT));
    expect(named('Deployment', 'api').spec.template.spec.containers[0].ports[0].containerPort).toBe(Number(config.API_PORT));
  });

  it('puts GPU workers on GPU nodes with the webgpu backend, scaled from zero', () => {
    const pod = named('Deployment', 'worker-gpu').spec.template.spec;
    expect(pod.nodeSelector).toBeDefined();
    expect(pod.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'nvidia.com/gpu' })]));
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([{ name: 'ML_BACKEND', value: 'webgpu' }]));
    expect(pod.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    expect(named('ScaledObject', 'worker-gpu').spec.minReplicaCount).toBe(0);
  });

  it('KEDA triggers name real queues under the configured prefix and target real Deployments', () => {
    const prefix = named('ConfigMap', 'imaging-config').data.QUEUE_PREFIX;
    const scaled = byKind('ScaledObject');
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(['worker', 'worker-gpu']);
    for (const s of scaled) {
      expect(named('Deployment', s.spec.scaleTargetRef.name)).toBeDefined();
      expect(s.spec.maxReplicaCount).toBeGreaterThanOrEqual(1);
      for (const t of s.spec.triggers) {
        if (t.type === 'redis') {
          const m = /^([^:]+):([^:]+):wait$/.exec(t.metadata.listName);
          expect(m).not.toBeNull();
          expect(m![1]).toBe(prefix);
          expect(QUEUES).toContain(m![2]);
          expect(named('TriggerAuthentication', t.authenticationRef.name)).toBeDefined();
        } else if (t.type === 'prometheus') {
          const queues = [...t.metadata.query.matchAll(/queue="([^"]+)"/g)].map((q) => q[1]);
          expect(queues.length).toBeGreaterThan(0);
          for (const q of queues) expect(QUEUES).toContain(q);
        } else {
          throw new Error(`unexpected trigger type ${t.type}`);
        }
      }
    }
    const cpu = named('ScaledObject', 'worker').spec.triggers[0];
    expect(cpu.metadata.listName).toBe(`${prefix}:${PREPROCESS}:wait`);
  });
});

describe('the Redis keys the KEDA triggers read', () => {
  const prefix = `test-keda-${randomBytes(4).toString('hex')}`;
  const queues = openQueues({ redisUrl: loadConfig().testRedisUrl, prefix });
  afterAll(async () => {
    await Promise.all([queues.preprocess.obliterate({ force: true }), queues.infer.obliterate({ force: true })]);
    await queues.close();
  });

  it('a preprocess job waits in the list `<prefix>:preprocess:wait`; an infer job (always prioritised) in a sorted set the list scaler cannot read', async () => {
    await queues.enqueuePreprocess({ instanceId: 'i1', seriesId: 's1', studyId: 'st1', requestId: null });
    await queues.enqueueInfer({ seriesId: 's1', studyId: 'st1', preprocessedCount: 1, urgent: false, requestId: null }, { delayMs: 0 });
    const redis = queues.redis();
    expect(await redis.type(`${prefix}:${PREPROCESS}:wait`)).toBe('list');
    expect(await redis.llen(`${prefix}:${PREPROCESS}:wait`)).toBe(1);
    expect(await redis.llen(`${prefix}:${INFER}:wait`)).toBe(0);
    expect(await redis.type(`${prefix}:${INFER}:prioritized`)).toBe('zset');
    expect(await redis.zcard(`${prefix}:${INFER}:prioritized`)).toBe(1);
  });
});

// Runs the AI pipeline in-process for tests that need review tasks made the real way: the
// preprocess step for each stored instance, then the infer step with the ACTIVE model's float32
// weights (the shipped model, registered here when nothing is active yet) on wasm.
import { activeModel, preprocessInstance, processSeries, registerShippedModel, type ProcessOutcome } from '@imaging/domain';
import { createLocalEngine, shippedModelDir } from '@imaging/ml';
import type { Services } from '@imaging/domain';

export async function runPipeline(services: Services, seriesInstanceUid: string): Promise<ProcessOutcome> {
  if (!(await activeModel(services))) await registerShippedModel(services);
  const series = await services.db.series.findUniqueOrThrow({ where: { seriesInstanceUid }, include: { instances: true } });
  for (const i of series.instances) if (!i.preprocessedAt) await preprocessInstance(services, i.id);
  const model = (await activeModel(services))!;
  const engine = await createLocalEngine({ modelDir: model.artifacts.float32 ?? shippedModelDir(model.version), backend: 'wasm' });
  try {
    return await processSeries(services, { engine, model, variant: 'float32', batchSize: 8 }, { seriesId: series.id, preprocessedCount: series.instances.length });
  } finally {
    await engine.close();
  }
}

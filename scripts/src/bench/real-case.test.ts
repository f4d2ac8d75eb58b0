// The real-case evaluation runs the shipped model on the corpus CT and compares with its SEG.
import { corpusDir } from '@imaging/testing';
import { createLocalEngine, shippedModelDir } from '@imaging/ml';
import { evaluateRealCase } from './real-case';

it('matches every CT slice to its SEG frame and scores the model against it', async () => {
  const engine = await createLocalEngine({ modelDir: shippedModelDir('v1'), backend: 'wasm' });
  try {
    const r = await evaluateRealCase(corpusDir(), engine);
    expect(r.slices).toBe(3);
    expect(r.truthArea.every((a) => a > 1000)).toBe(true);
    expect(r.sliceProbabilities).toHaveLength(3);
    expect(r.diceWithSeg).toBeGreaterThanOrEqual(0);
    expect(r.diceWithSeg).toBeLessThanOrEqual(1);
    expect(['lesion', 'none']).toContain(r.label);
  } finally {
    await engine.close();
  }
});

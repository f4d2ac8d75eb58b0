import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend/init-backend';
import { buildUNet, runUNet } from './model/unet';
(async () => {
  console.log(await initBackend('wasm'));
  for (const [size, base, depth] of [[128, 8, 3], [128, 12, 3], [128, 8, 4]]) {
    const model = buildUNet({ inputSize: size, baseFilters: base, depth });
    const opt = tf.train.adam(1e-3);
    const B = 8;
    const x = tf.randomUniform([B, size, size, 1]) as tf.Tensor4D;
    const y = tf.randomUniform([B, size, size, 1]).greater(0.5).cast('float32');
    const step = () => opt.minimize(() => { const [m] = runUNet(model, x, true); return tf.losses.sigmoidCrossEntropy(y, m) as tf.Scalar; }, true);
    step();
    let t = Date.now(); for (let i = 0; i < 3; i++) step()!.dispose(); const tr = (Date.now() - t) / 3 / B;
    t = Date.now(); for (let i = 0; i < 3; i++) tf.tidy(() => runUNet(model, x)[0].dataSync()); const inf = (Date.now() - t) / 3 / B;
    console.log(size, base, depth, 'params', model.countParams(), 'train ms/img', tr.toFixed(1), 'infer ms/img', inf.toFixed(1), 'tensors', tf.memory().numTensors);
  }
})();

/**
 * Grad-CAM (Selvaraju et al. 2017) for convolutional backbones: the last feature map A (layer4
 * of the ResNet, before the global pool), weighted per channel by the spatial mean of
 * ∂score/∂A, summed over channels and rectified — where the evidence for `score` lies. For a
 * classifier the score is one label's logit (one map per biomarker); for a pretrained backbone
 * without a head, the L2 norm of its feature (what makes the feature strong).
 */
import type * as tfc from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import type { ResNet } from '../models/resnet.js';

export interface CamMap {
  /** Feature-map grid [rows, columns]. */
  grid: [number, number];
  /** rows · columns, ≥ 0. */
  map: Float32Array;
}

/** `score`: pooled features [1, C] → a scalar to explain. `input`: one normalised image [1, S, S, 1]. */
export async function gradCam(tf: Tf, net: ResNet, input: tfc.Tensor4D, score: (pooled: tfc.Tensor2D) => tfc.Scalar): Promise<CamMap> {
  const cam = tf.tidy(() => {
    const a = net.features(input, { training: false, evaluation: true });
    const grads = tf.grad((fm: tfc.Tensor) => score(tf.mean(fm, [1, 2]) as tfc.Tensor2D))(a) as tfc.Tensor4D;
    const weights = tf.mean(grads, [1, 2], true); // [1, 1, 1, C]
    return tf.relu(tf.sum(tf.mul(a, weights), 3)) as tfc.Tensor3D; // [1, h, w]
  });
  try {
    const [, h, w] = cam.shape;
    return { grid: [h, w], map: Float32Array.from((await cam.data()) as Float32Array) };
  } finally {
    cam.dispose();
  }
}

/**
 * Classification losses with unknown labels masked out.
 *
 * Multi-label: binary cross-entropy on logits per (image, label) — PyTorch's
 * `BCEWithLogitsLoss(pos_weight=…, reduction='none')` — averaged over the entries whose truth is
 * known, so an image annotated for only some biomarkers still teaches those. `pos_weight`
 * (neg/pos of the training labels, capped) keeps rare biomarkers from being ignored.
 * Single-label: softmax cross-entropy, mean over images.
 */
import type * as tfc from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';

/** Per-label neg/pos on the training truth, at most `cap` (1 for labels without positives). */
export function positiveWeights(truth: Int8Array, numLabels: number, cap: number): Float32Array {
  const pos = new Float64Array(numLabels);
  const neg = new Float64Array(numLabels);
  for (let i = 0; i < truth.length; i++) {
    const v = truth[i];
    if (v === 1) pos[i % numLabels]! += 1;
    else if (v === 0) neg[i % numLabels]! += 1;
  }
  return Float32Array.from({ length: numLabels }, (_, l) => (pos[l]! > 0 ? Math.min(cap, Math.max(1, neg[l]! / pos[l]!)) : 1));
}

/** Truth [B, L] of 1/0/−1 → (targets with unknown as 0, mask 1/0). */
export function maskedTargets(tf: Tf, truth: Int8Array, batch: number, numLabels: number): { targets: tfc.Tensor2D; mask: tfc.Tensor2D } {
  const t = new Float32Array(truth.length);
  const m = new Float32Array(truth.length);
  for (let i = 0; i < truth.length; i++) {
    t[i] = truth[i] === 1 ? 1 : 0;
    m[i] = truth[i]! >= 0 ? 1 : 0;
  }
  return { targets: tf.tensor2d(t, [batch, numLabels]), mask: tf.tensor2d(m, [batch, numLabels]) };
}

/**
 * mean over known entries of −[p · y · log σ(z) + (1 − y) · log(1 − σ(z))], computed stably as
 * p · y · softplus(−z) + (1 − y) · softplus(z).
 */
export function maskedBceWithLogits(tf: Tf, logits: tfc.Tensor2D, targets: tfc.Tensor2D, mask: tfc.Tensor2D, posWeight: tfc.Tensor1D): tfc.Scalar {
  return tf.tidy(() => {
    const pos = tf.mul(tf.mul(targets, posWeight), tf.softplus(tf.neg(logits)));
    const neg = tf.mul(tf.sub(1, targets), tf.softplus(logits));
    const perEntry = tf.mul(tf.add(pos, neg), mask);
    return tf.div(tf.sum(perEntry), tf.maximum(tf.sum(mask), 1)) as tfc.Scalar;
  });
}

/** mean over images of −log softmax(z)[class]. */
export function softmaxCrossEntropy(tf: Tf, logits: tfc.Tensor2D, classes: Int32Array): tfc.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(classes, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tfc.Scalar;
  });
}

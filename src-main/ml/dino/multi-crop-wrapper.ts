/**
 * Backbone + head over a multi-crop batch (reference `utils.MultiCropWrapper`): the backbone
 * runs once per resolution (crops of one size are stacked into one batch), the features of all
 * crops are concatenated in crop order, and the head runs once on all of them.
 */
import type { Tensor2D, Tensor4D, Variable } from '@tensorflow/tfjs';
import type { Tf } from '../engine/index.js';
import type { Backbone } from './backbone.js';
import type { DinoHead } from './head.js';

/** Student or teacher: the same architecture, separate weights. */
export interface DinoNetwork {
  readonly backbone: Backbone;
  readonly head: DinoHead;
}

/** All variables under the reference's names: `backbone.<name>` and `head.<name>`. */
export function networkVariables(net: DinoNetwork): Map<string, Variable> {
  const out = new Map<string, Variable>();
  for (const [k, v] of net.backbone.variables) out.set(`backbone.${k}`, v);
  for (const [k, v] of net.head.variables) out.set(`head.${k}`, v);
  return out;
}

/**
 * `groups`: one tensor per resolution, each [n_i·B, H_i, W_i, 1], in crop order (globals first).
 * Returns [Σ n_i·B, K] logits in the same order.
 */
export function forwardMultiCrop(
  tf: Tf,
  net: DinoNetwork,
  groups: readonly Tensor4D[],
  opts: { training: boolean; dropPathSeed?: number },
): Tensor2D {
  return tf.tidy(() => {
    const feats = groups.map((x, i) =>
      net.backbone.apply(x, {
        training: opts.training,
        ...(opts.dropPathSeed === undefined ? {} : { dropPathSeed: opts.dropPathSeed * 16 + i }),
      }),
    );
    const all = feats.length === 1 ? feats[0]! : tf.concat(feats, 0);
    return net.head.apply(all);
  });
}

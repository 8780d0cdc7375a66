/**
 * Principal components of feature rows, for the embedding map's fast view and the patch-feature
 * colours: centre the rows, form the d × d covariance in one pass, and diagonalise it with the
 * cyclic Jacobi method (exact for symmetric matrices, d ≤ a few hundred here). Components are
 * ordered by variance, each with its sign fixed so its largest coefficient is positive
 * (deterministic output for the same data).
 */

export interface Pca {
  mean: Float64Array;
  /** k × d, row c = component c. */
  components: Float64Array;
  /** Variance along each component. */
  variances: Float64Array;
  k: number;
  d: number;
}

export function fitPca(rows: ArrayLike<number>, d: number, k: number): Pca {
  const n = Math.floor(rows.length / d);
  if (n * d !== rows.length) throw new RangeError(`${rows.length} values are not whole rows of ${d}`);
  if (!(k >= 1 && k <= d)) throw new RangeError(`k must be 1…${d}, got ${k}`);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += (rows[i * d + j] as number) / n;
  const cov = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = (rows[i * d + j] as number) - mean[j]!;
    for (let a = 0; a < d; a++) {
      const ca = centred[a]!;
      if (ca === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b]! += ca * centred[b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[b * d + a] = cov[a * d + b]! /= Math.max(1, n - 1);
  const { values, vectors } = jacobiEigen(cov, d);
  const order = Array.from({ length: d }, (_, i) => i).sort((x, y) => values[y]! - values[x]!);
  const components = new Float64Array(k * d);
  const variances = new Float64Array(k);
  order.slice(0, k).forEach((col, c) => {
    variances[c] = Math.max(0, values[col]!);
    let largest = 0;
    for (let j = 0; j < d; j++) if (Math.abs(vectors[j * d + col]!) > Math.abs(largest)) largest = vectors[j * d + col]!;
    const sign = largest < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) components[c * d + j] = sign * vectors[j * d + col]!;
  });
  return { mean, components, variances, k, d };
}

/** Rows projected on the components: n × k. */
export function projectPca(pca: Pca, rows: ArrayLike<number>): Float32Array {
  const { d, k } = pca;
  const n = Math.floor(rows.length / d);
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += ((rows[i * d + j] as number) - pca.mean[j]!) * pca.components[c * d + j]!;
      out[i * k + c] = s;
    }
  }
  return out;
}

/** Eigen-decomposition of a symmetric d × d matrix (cyclic Jacobi rotations); columns of `vectors` are the eigenvectors. */
export function jacobiEigen(matrix: Float64Array, d: number, maxSweeps = 50): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * d + q]! - a[p * d + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: d }, (_, i) => a[i * d + i]!), vectors: v };
}

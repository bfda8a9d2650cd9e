/**
 * The parameter tables under their original names, kept for the code that imports them: every
 * value here is derived from the one registry in algorithms.ts (see there for the sources of the
 * sizes, what `seed` holds for each algorithm, and when a length identifies an algorithm).
 * @module
 */
import { ALGORITHMS, DSA_ALGORITHMS, KEM_ALGORITHMS, type DsaAlgorithm, type DsaSizes, type KemAlgorithm, type KemSizes } from './algorithms.ts';

export {
  DEFAULT_DSA_ALGORITHM,
  DEFAULT_KEM_ALGORITHM,
  DSA_ALGORITHMS,
  KEM_ALGORITHMS,
  MAX_DSA_CONTEXT_BYTES,
  ML_DSA_ALGORITHMS,
  ML_KEM_ALGORITHMS,
  SLH_DSA_ALGORITHMS,
  dsaAlgorithmForPublicKey,
  dsaAlgorithmsMatching,
  kemAlgorithmForPublicKey,
  kemAlgorithmsMatching,
  type DsaAlgorithm,
  type DsaSizes,
  type KemAlgorithm,
  type KemSizes,
  type MlDsaAlgorithm,
  type MlKemAlgorithm,
  type SlhDsaAlgorithm,
} from './algorithms.ts';

export const KEM_SIZES: Readonly<Record<KemAlgorithm, KemSizes>> = Object.freeze(Object.fromEntries(KEM_ALGORITHMS.map((a) => [a, ALGORITHMS[a].sizes])) as Record<KemAlgorithm, KemSizes>);
export const DSA_SIZES: Readonly<Record<DsaAlgorithm, DsaSizes>> = Object.freeze(Object.fromEntries(DSA_ALGORITHMS.map((a) => [a, ALGORITHMS[a].sizes])) as Record<DsaAlgorithm, DsaSizes>);

/**
 * What a route's operation costs (route.ts `cost`), from the measured table (crypto/costs.ts)
 * and the implementation that serves the algorithm here.
 * @module
 */
import { isDsaAlgorithm, isKemAlgorithm } from '../crypto/algorithms.ts';
import { AES_ALGORITHM, costOf, type CostedAlgorithm, type CryptoOp } from '../crypto/costs.ts';
import type { RouteContext } from './route.ts';

export function cryptoCost({ services }: RouteContext, algorithm: CostedAlgorithm, op: CryptoOp): number {
  const { crypto } = services;
  const implementation = isKemAlgorithm(algorithm)
    ? crypto.kem.implementationFor(algorithm)
    : isDsaAlgorithm(algorithm)
      ? crypto.dsa.implementationFor(algorithm)
      : algorithm === AES_ALGORITHM
        ? crypto.aead.implementation
        : 'noble';
  return costOf(algorithm, op, implementation);
}

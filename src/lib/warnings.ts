/**
 * Node >= 24 marks several Web Cryptography features as experimental (ML-KEM, ML-DSA, cSHAKE256,
 * `SubtleCrypto.supports`) and prints one ExperimentalWarning per feature on its first use. The
 * service uses them on purpose, through the `hpke` and `jose` libraries; in a server's stderr the
 * warnings are noise, and a start-up failure must stay one line (startup.ts), which a warning
 * printed before it broke. This drops exactly those warnings (an ExperimentalWarning whose text
 * names the Web Crypto API) and lets every other warning through as Node prints it.
 * @module
 */
export function quietWebCryptoExperimentalWarnings(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const option = rest[0];
    const type = typeof option === 'string' ? option : (option as { type?: unknown } | undefined)?.type;
    const name = typeof warning === 'string' ? type : warning.name;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (name === 'ExperimentalWarning' && text.includes('Web Crypto API')) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

/**
 * mulberry32: a tiny, fast, well-distributed 32-bit PRNG. The benchmarks' generated workloads and
 * the tests' random inputs (fuzzing, kill moments) use it so that the same seed gives the same
 * inputs on every machine and every run.
 */
export function mulberry32(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

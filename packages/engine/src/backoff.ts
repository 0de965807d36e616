/**
 * Retry delays. Pure: the random number for jitter is an argument, so the engine's core stays
 * deterministic and tests can pin it.
 */
import type { RetryPolicy } from '@flow/model';

/**
 * The delay before attempt `failedAttempt + 1`, after attempt `failedAttempt` (from 1) failed:
 * fixed `base`, linear `base × n`, or exponential `base × 2^(n-1)`; then spread by ±`jitter`
 * (a fraction of the delay) using `random` in [0, 1); then capped at `maxMs`.
 */
export function retryDelay(policy: Pick<RetryPolicy, 'backoff' | 'baseMs' | 'maxMs' | 'jitter'>, failedAttempt: number, random: number): number {
    const n = Math.max(1, failedAttempt);
    let delay: number;
    switch (policy.backoff) {
        case 'fixed': delay = policy.baseMs; break;
        case 'linear': delay = policy.baseMs * n; break;
        case 'exponential': delay = policy.baseMs * 2 ** (n - 1); break;
    }
    if (policy.jitter > 0) {
        const unit = Math.min(Math.max(random, 0), 1);
        delay *= 1 + policy.jitter * (2 * unit - 1);
    }
    if (policy.maxMs !== undefined) delay = Math.min(delay, policy.maxMs);
    return Math.max(0, Math.round(delay));
}

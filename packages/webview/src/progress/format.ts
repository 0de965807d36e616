/** Numbers as the panel prints them (the same words `flowctl run` uses for durations). */

export function formatDuration(ms: number): string {
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
    const minutes = Math.floor(ms / 60_000);
    const seconds = Math.round((ms % 60_000) / 1000);
    return minutes < 60 ? `${minutes}m${String(seconds).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Up to two decimals, without trailing zeros: 12, 2.5, 0.08. */
export function formatScore(value: number): string {
    return String(Math.round(value * 100) / 100);
}

/** "42.5 %": the engine's own figure, as it sent it. */
export function formatPercent(percent: number): string {
    return `${percent} %`;
}

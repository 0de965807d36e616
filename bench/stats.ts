import { cpus } from 'node:os';

/** Statistics every benchmark reports: medians and nearest-rank percentiles of samples. */

export function median(values: readonly number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The nearest-rank p-th percentile (p from 0 to 100): the value at rank ceil(p/100 × n). */
export function percentile(values: readonly number[], p: number): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The start of every report's first paragraph: when, on what machine, which Node. */
export function measuredOn(): string {
    const cpu = cpus();
    return `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu.length} cores ` +
        `(${cpu[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}`;
}

/** The "Budgets" section's heading and table; each row is `| what | measured | budget | met |`. */
export function budgetTable(rows: readonly string[]): string[] {
    return ['### Budgets', '', '| what | measured | budget | met |', '|---|---|---|---|', ...rows];
}

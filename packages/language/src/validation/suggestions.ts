/**
 * "Did you mean" suggestions for unknown names: the candidate with the smallest edit distance
 * (insertions, deletions, substitutions and swaps of neighbours all cost one), if it is close
 * enough to be a likely typo.
 */

/** Optimal string alignment distance, stopping early once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    const rows = a.length + 1;
    const cols = b.length + 1;
    let previousPrevious = new Array<number>(cols).fill(0);
    let previous = Array.from({ length: cols }, (_, j) => j);
    let current = new Array<number>(cols).fill(0);
    for (let i = 1; i < rows; i++) {
        current[0] = i;
        let rowMinimum = current[0];
        for (let j = 1; j < cols; j++) {
            const cost = a[i - 1] === b[j - 1] ? 0 : 1;
            let value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
                value = Math.min(value, previousPrevious[j - 2] + 1);
            }
            current[j] = value;
            rowMinimum = Math.min(rowMinimum, value);
        }
        if (rowMinimum > limit) return limit + 1;
        [previousPrevious, previous, current] = [previous, current, previousPrevious];
    }
    return previous[cols - 1];
}

/** How many edits a name of this length may be away from a suggestion. */
function allowedDistance(name: string): number {
    return Math.max(1, Math.min(3, Math.floor(name.length / 3)));
}

/**
 * The candidate closest to `name`, or undefined when none is a plausible typo of it. A candidate
 * that differs only in letter case always qualifies.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
    const limit = allowedDistance(name);
    const lowerName = name.toLowerCase();
    let best: string | undefined;
    let bestDistance = limit + 1;
    for (const candidate of candidates) {
        if (candidate === name) continue;
        if (candidate.toLowerCase() === lowerName) return candidate;
        const distance = editDistance(name, candidate, limit);
        if (distance < bestDistance) {
            best = candidate;
            bestDistance = distance;
        }
    }
    return best;
}

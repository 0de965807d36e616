/**
 * A CPU profile of one piece of work in this process (V8's sampling profiler, as
 * `node --cpu-prof` takes it), summed into self time per function, so the report can say
 * where the time goes; and a sampled allocation profile, which says what keeps the garbage
 * collector busy. Positions in the esbuild bundle are mapped back to the TypeScript source
 * through the bundle's inline source map.
 */
import { readFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { SourceMap } from 'node:module';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ProfileEntry {
    /** `function (file.ts:line)`, or V8's name for time outside JavaScript: `(garbage collector)`, `(idle)`, `(program)`. */
    name: string;
    selfMs: number;
    share: number;
}

export interface ProfileSummary {
    totalMs: number;
    entries: ProfileEntry[];
}

interface ProfileNode {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

let bundleMap: SourceMap | null | undefined;

/** The source map of this bundle, when it has an inline one. */
function ownSourceMap(): SourceMap | null {
    if (bundleMap !== undefined) return bundleMap;
    bundleMap = null;
    try {
        const text = readFileSync(__filename, 'utf8');
        const match = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(text);
        if (match) bundleMap = new SourceMap(JSON.parse(Buffer.from(match[1], 'base64').toString('utf8')));
    } catch {
        // Without a source map, functions are named by their bundle position.
    }
    return bundleMap;
}

function label(frame: ProfileNode['callFrame']): string {
    const name = frame.functionName || '(anonymous)';
    if (!frame.url) return name;
    // The CPU profiler names this bundle by its file URL, the heap profiler by its path.
    if (frame.url === pathToFileURL(__filename).href || frame.url === __filename) {
        const entry = ownSourceMap()?.findEntry(frame.lineNumber, frame.columnNumber);
        if (entry && 'originalSource' in entry && entry.originalSource) {
            const source = entry.originalSource.replace(/^.*?packages\//, '').replace(/^.*?bench\//, 'bench/');
            return `${name} (${source}:${entry.originalLine + 1})`;
        }
        return name;
    }
    return `${name} (${frame.url.startsWith('node:') ? frame.url : basename(frame.url)})`;
}

export async function profile(work: () => unknown): Promise<ProfileSummary> {
    const session = new Session();
    session.connect();
    try {
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 200 });
        await session.post('Profiler.start');
        await work();
        const { profile: result } = await session.post('Profiler.stop');
        const labels = new Map<number, string>();
        for (const node of result.nodes as ProfileNode[]) labels.set(node.id, label(node.callFrame));
        const selfUs = new Map<string, number>();
        const samples = result.samples ?? [];
        const deltas = result.timeDeltas ?? [];
        let totalUs = 0;
        for (let index = 0; index < samples.length; index++) {
            // A sample's delta is the time since the sample before it: charge it to the function now on top.
            const delta = deltas[index + 1] ?? 0;
            const name = labels.get(samples[index]) ?? '(unknown)';
            selfUs.set(name, (selfUs.get(name) ?? 0) + delta);
            totalUs += delta;
        }
        const entries = [...selfUs].map(([name, us]) => ({ name, selfMs: us / 1000, share: totalUs > 0 ? us / totalUs : 0 }))
            .sort((a, b) => b.selfMs - a.selfMs);
        return { totalMs: totalUs / 1000, entries };
    } finally {
        await session.post('Profiler.disable').catch(() => undefined);
        session.disconnect();
    }
}

interface AllocationNode {
    callFrame: ProfileNode['callFrame'];
    selfSize: number;
    children: AllocationNode[];
}

/** Bytes allocated by `work` (sampled, counting objects already collected), by allocating function. */
export async function allocations(work: () => unknown): Promise<ProfileSummary & { totalBytes: number }> {
    const session = new Session();
    session.connect();
    try {
        await session.post('HeapProfiler.enable');
        // Without the two flags the profile holds only objects still alive at the end, not the garbage.
        // They are in V8's protocol but not yet in @types/node, hence a variable rather than a literal.
        const parameters = { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true };
        await session.post('HeapProfiler.startSampling', parameters);
        await work();
        const { profile: result } = await session.post('HeapProfiler.stopSampling');
        const bytes = new Map<string, number>();
        let totalBytes = 0;
        const visit = (node: AllocationNode): void => {
            const name = label(node.callFrame);
            bytes.set(name, (bytes.get(name) ?? 0) + node.selfSize);
            totalBytes += node.selfSize;
            for (const child of node.children) visit(child);
        };
        visit(result.head as AllocationNode);
        const entries = [...bytes].map(([name, size]) => ({ name, selfMs: 0, share: totalBytes > 0 ? size / totalBytes : 0 }))
            .sort((a, b) => b.share - a.share);
        return { totalMs: 0, totalBytes, entries };
    } finally {
        await session.post('HeapProfiler.disable').catch(() => undefined);
        session.disconnect();
    }
}

/** The `count` functions with the most self time (or bytes), as `name 23%`. */
export function topFunctions(summary: ProfileSummary, count: number, skip: (name: string) => boolean = () => false): string {
    return summary.entries.filter(entry => !skip(entry.name)).slice(0, count)
        .map(entry => `${entry.name} ${(entry.share * 100).toFixed(0)}%`).join(', ');
}

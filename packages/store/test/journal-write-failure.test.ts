import * as fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { JournalWriter, listSegments, readSegment } from '../src/journal.js';
import { stateDir } from './helpers.js';

// writeSync is replaced, for one append, by one that writes half the line and then fails, as a
// full disk does.
vi.mock('node:fs', async original => {
    const actual = await original<typeof import('node:fs')>();
    return { ...actual, writeSync: vi.fn(actual.writeSync) };
});

describe('a journal write that fails half-way', () => {
    it('is cut back, so the records before and after it read back whole', () => {
        const dir = stateDir();
        const journal = new JournalWriter(dir, 1, []);
        journal.append({ k: 'interrupted', runId: 'a', time: 1, reason: 'first' });
        const write = vi.mocked(fs.writeSync);
        write.mockImplementationOnce(((fd: number, buffer: Buffer, offset: number, length: number) => {
            fs.writeFileSync(fd, buffer.subarray(offset, offset + Math.floor(length / 2)));
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }) as unknown as typeof fs.writeSync);
        expect(() => journal.append({ k: 'interrupted', runId: 'b', time: 2, reason: 'lost' })).toThrow(/ENOSPC/);
        journal.append({ k: 'interrupted', runId: 'c', time: 3, reason: 'after' });
        const [segment] = listSegments(dir);
        const contents = readSegment(segment.file);
        expect(contents.records.map(record => (record as { runId: string }).runId)).toEqual(['a', 'c']);
        expect(contents.records.map(record => record.n)).toEqual([1, 2]);
    });
});

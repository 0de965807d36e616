/**
 * The journal: every change to the store as one line, appended and synced before it counts.
 * Lines are `<crc32 of the JSON, 8 hex digits> <JSON>\n`, each JSON carrying `n`, its position
 * in the store's whole history (1, 2, ...). The journal is a series of segment files named by the
 * first `n` they hold; a new segment starts after every export of the database, and a segment is
 * deleted once an export that is no longer the newest one covers it (see store.ts), so the
 * journal never holds more than the last two export intervals.
 *
 * A line that does not end in `\n` was being written when the process died: it never counted,
 * and reading drops it.
 */
import { closeSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { JournalRecord } from './records.js';

const SEGMENT = /^(\d{12})\.log$/;
const NEWLINE = 0x0a;

export interface Segment {
    file: string;
    /** The `n` of its first record, from its name. */
    first: number;
}

/** The journal's segments in order. */
export function listSegments(dir: string): Segment[] {
    let names: string[];
    try {
        names = readdirSync(dir);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
    }
    return names
        .map(name => SEGMENT.exec(name))
        .filter(match => match !== null)
        .map(match => ({ file: join(dir, match[0]), first: Number(match[1]) }))
        .sort((a, b) => a.first - b.first);
}

export function segmentName(first: number): string {
    return `${String(first).padStart(12, '0')}.log`;
}

export function encodeLine(record: JournalRecord): string {
    const json = JSON.stringify(record);
    return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

export interface SegmentContents {
    records: JournalRecord[];
    /** Bytes of complete lines; past it is a torn last line (or nothing). */
    validBytes: number;
    /** The size of the file as read. */
    totalBytes: number;
    /** Complete lines that failed their checksum or did not parse, by line number (from 1). */
    badLines: number[];
}

/** Reads a segment. Never throws for what a crash or a disk can leave in it. */
export function readSegment(file: string): SegmentContents {
    const bytes = readFileSync(file);
    const records: JournalRecord[] = [];
    const badLines: number[] = [];
    let start = 0;
    let line = 0;
    for (let end = bytes.indexOf(NEWLINE, start); end >= 0; end = bytes.indexOf(NEWLINE, start)) {
        line++;
        const record = decodeLine(bytes.subarray(start, end));
        if (record) records.push(record);
        else badLines.push(line);
        start = end + 1;
    }
    return { records, validBytes: start, totalBytes: bytes.length, badLines };
}

function decodeLine(line: Buffer): JournalRecord | undefined {
    // 8 hex digits, a space, at least `{}`.
    if (line.length < 11 || line[8] !== 0x20) return undefined;
    const expected = Number.parseInt(line.subarray(0, 8).toString('latin1'), 16);
    const json = line.subarray(9);
    if (!Number.isInteger(expected) || crc32(json) !== expected) return undefined;
    try {
        const record = JSON.parse(json.toString('utf8')) as JournalRecord;
        return typeof record === 'object' && record !== null && typeof record.n === 'number' ? record : undefined;
    } catch {
        return undefined;
    }
}

/** Cuts a torn last line off a segment, so that nothing is ever appended after half a line. */
export function truncateSegment(file: string, validBytes: number): void {
    const fd = openSync(file, 'r+');
    try {
        ftruncateSync(fd, validBytes);
        fsyncSync(fd);
    } finally {
        closeSync(fd);
    }
}

/** Appends to the newest segment; `rotate` makes the next append start a new one. */
export class JournalWriter {
    private fd: number | undefined;
    /** The open segment's length: where a failed write is cut back to. */
    private size = 0;
    /** Set when a failed write could not be undone: no record may follow a torn one. */
    private broken: Error | undefined;
    private unsynced = false;
    /** Closed segments with the `n` of their last record, oldest first; the open one is not in it. */
    private readonly closed: Array<{ file: string; last: number }> = [];
    private current: { file: string; first: number } | undefined;

    /** @param next the `n` of the next record. */
    constructor(private readonly dir: string, private next: number, existing: Array<{ file: string; last: number }>) {
        this.closed.push(...existing);
    }

    /** The `n` of the last record written (0 for none). */
    get lastWritten(): number {
        return this.next - 1;
    }

    /** Writes the record with the next `n`; synced to disk before it returns unless `sync` is false. */
    append<R extends DistributiveOmit<JournalRecord, 'n'>>(record: R, sync = true): R & { n: number } {
        if (this.broken) throw this.broken;
        const numbered = { n: this.next, ...record } as R & { n: number };
        const fd = this.fd ?? this.open();
        const line = Buffer.from(encodeLine(numbered as unknown as JournalRecord), 'utf8');
        try {
            writeFully(fd, line);
        } catch (error) {
            // Half a line would make the next record unreadable too: cut back to the last whole line.
            try {
                ftruncateSync(fd, this.size);
            } catch {
                this.broken = new Error(`the journal ${this.current?.file} could not be repaired after a failed write (${(error as Error).message}); ` +
                    'reopen the store to recover it');
            }
            throw error;
        }
        this.size += line.length;
        this.next++;
        if (sync) {
            fdatasyncSync(fd);
            this.unsynced = false;
        } else {
            this.unsynced = true;
        }
        return numbered;
    }

    /** Syncs records appended without `sync`. */
    sync(): void {
        if (this.fd !== undefined && this.unsynced) fdatasyncSync(this.fd);
        this.unsynced = false;
    }

    /** Closes the open segment; the next append opens a new one. */
    rotate(): void {
        if (this.fd === undefined || !this.current) return;
        this.sync();
        closeSync(this.fd);
        this.closed.push({ file: this.current.file, last: this.next - 1 });
        this.fd = undefined;
        this.current = undefined;
    }

    /** Deletes the closed segments whose every record is at or before `n`. */
    deleteCoveredBy(n: number): void {
        while (this.closed.length > 0 && this.closed[0].last <= n) {
            const { file } = this.closed.shift()!;
            try {
                unlinkSync(file);
            } catch (error) {
                if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
            }
        }
    }

    close(): void {
        this.rotate();
    }

    private open(): number {
        const file = join(this.dir, segmentName(this.next));
        // The file may exist, empty: a writer that died right after creating it. Anything it held
        // past its last whole line was cut off when this writer replayed it.
        this.fd = openSync(file, 'a');
        this.size = fstatSync(this.fd).size;
        this.current = { file, first: this.next };
        syncDirectory(this.dir);
        return this.fd;
    }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function writeFully(fd: number, buffer: Buffer): void {
    for (let offset = 0; offset < buffer.length;) offset += writeSync(fd, buffer, offset, buffer.length - offset);
}

/** Makes a file's creation, rename or removal in `dir` durable. */
export function syncDirectory(dir: string): void {
    const fd = openSync(dir, 'r');
    try {
        fsyncSync(fd);
    } finally {
        closeSync(fd);
    }
}

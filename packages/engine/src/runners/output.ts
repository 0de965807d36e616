/**
 * Output handling shared by runners: a bounded tail of a stream kept in memory, the last line of
 * a stream (where a shell command prints its JSON result), and sinks that write an attempt's
 * output to its log file. However much a task prints, the memory these hold stays bounded.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

/** Keeps the last `maxBytes` bytes of a stream, however much passes through. */
export class OutputTail {
    private chunks: Buffer[] = [];
    private kept = 0;
    /** Bytes seen in all, including those dropped. */
    total = 0;

    constructor(private readonly maxBytes: number) {}

    push(chunk: Buffer): void {
        this.total += chunk.length;
        this.chunks.push(chunk);
        this.kept += chunk.length;
        while (this.kept - this.chunks[0].length >= this.maxBytes) {
            this.kept -= this.chunks.shift()!.length;
        }
    }

    /** Whether bytes were dropped from the front. */
    get truncated(): boolean {
        return this.total > this.maxBytes;
    }

    /** The kept tail as text (at most `maxBytes` bytes; a cut multi-byte character is dropped). */
    text(maxBytes = this.maxBytes): string {
        let buffer = Buffer.concat(this.chunks);
        const limit = Math.min(maxBytes, this.maxBytes);
        if (buffer.length > limit) buffer = buffer.subarray(buffer.length - limit);
        const text = buffer.toString('utf8');
        return this.total > limit ? text.replace(/^\uFFFD+/, '') : text;
    }

    /** The last non-empty line of the tail. */
    lastLine(): string | undefined {
        const lines = this.text().split(/\r?\n/);
        for (let index = lines.length - 1; index >= 0; index--) {
            if (lines[index].trim() !== '') return lines[index];
        }
        return undefined;
    }
}

const NEWLINE = 0x0a;

function isBlank(bytes: Buffer): boolean {
    for (const byte of bytes) {
        if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return false;
    }
    return true;
}

/** A line as `LastLine` reports it. */
export interface TrackedLine {
    /** The line (without its newline); only its first `maxBytes` bytes when `cut`. */
    text: string;
    /** Whether the line was longer than `maxBytes`. */
    cut: boolean;
}

/**
 * Follows the last non-blank line of a stream, keeping at most `maxBytes` of it. Separate from
 * `OutputTail` because a result line may be much longer than the tail worth keeping for a
 * message, and must never be confused with a line cut in the middle.
 */
export class LastLine {
    private current: Buffer[] = [];
    private currentBytes = 0;
    private currentCut = false;
    private last: { bytes: Buffer; cut: boolean } | undefined;

    constructor(private readonly maxBytes: number) {}

    push(chunk: Buffer): void {
        const first = chunk.indexOf(NEWLINE);
        if (first === -1) {
            this.append(chunk);
            return;
        }
        this.append(chunk.subarray(0, first));
        this.completeCurrent();
        const lastNewline = chunk.lastIndexOf(NEWLINE);
        // Of the lines wholly inside this chunk only the last non-blank one matters: scan backwards.
        let end = lastNewline;
        while (end > first) {
            const start = chunk.lastIndexOf(NEWLINE, end - 1) + 1;
            const line = chunk.subarray(start, end);
            if (!isBlank(line)) {
                this.last = line.length > this.maxBytes
                    ? { bytes: Buffer.from(line.subarray(0, this.maxBytes)), cut: true }
                    : { bytes: Buffer.from(line), cut: false };
                break;
            }
            end = start - 1;
        }
        this.append(chunk.subarray(lastNewline + 1));
    }

    /** The last non-blank line seen, including one not ended by a newline. */
    line(): TrackedLine | undefined {
        const pending = Buffer.concat(this.current);
        const chosen = pending.length > 0 && !isBlank(pending) ? { bytes: pending, cut: this.currentCut } : this.last;
        if (!chosen) return undefined;
        return { text: chosen.bytes.toString('utf8').replace(/\r$/, ''), cut: chosen.cut };
    }

    private append(bytes: Buffer): void {
        if (bytes.length === 0) return;
        const room = this.maxBytes - this.currentBytes;
        if (bytes.length > room) {
            this.currentCut = true;
            if (room <= 0) return;
            bytes = bytes.subarray(0, room);
        }
        this.current.push(Buffer.from(bytes));
        this.currentBytes += bytes.length;
    }

    private completeCurrent(): void {
        const line = Buffer.concat(this.current);
        if (line.length > 0 && !isBlank(line)) this.last = { bytes: line, cut: this.currentCut };
        this.current = [];
        this.currentBytes = 0;
        this.currentCut = false;
    }
}

/** Where an attempt's output goes. */
export interface LogSink {
    /** The log file's path, when output is kept in a file. */
    readonly file?: string;
    /**
     * Appends output. Returns `false` when the sink is buffering more than it should: the writer
     * should then pause its source until `onceDrained` calls back, so a fast producer cannot fill
     * memory faster than the disk takes it.
     */
    write(chunk: string | Buffer): boolean | void;
    /** Calls `callback` once buffered output has been written (at once when nothing waits). */
    onceDrained?(callback: () => void): void;
    /** Flushes and closes the file. */
    close(): Promise<void>;
}

/** A sink that drops everything: for runs that keep no logs. */
export const discardLog: LogSink = {
    write: () => true,
    close: async () => undefined
};

export interface FileLogOptions {
    /** Most bytes written to the file; output past it is dropped and a line says so. @default unlimited */
    maxBytes?: number;
}

/** A file sink as the dispatcher sees it: whether anything was written, and why writing stopped. */
export interface FileLogSink extends LogSink {
    readonly file: string;
    /** Bytes handed to the sink, including any past `maxBytes`. */
    readonly bytes: number;
    /** Why the file could not be written (its folder cannot be created, the disk is full), if so. */
    readonly error?: Error;
}

/**
 * A sink that appends to `file`, creating it and its folder on the first write (so an attempt
 * that prints nothing leaves no file). A file that cannot be written never fails the attempt:
 * the sink stops writing and reports `error`.
 */
export function fileLog(file: string, options: FileLogOptions = {}): FileLogSink {
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    let stream: WriteStream | undefined;
    let bytes = 0;
    let error: Error | undefined;
    let truncated = false;
    const open = (): WriteStream | undefined => {
        if (stream || error) return stream;
        try {
            mkdirSync(dirname(file), { recursive: true });
            stream = createWriteStream(file, { flags: 'a' });
            stream.on('error', cause => { error ??= cause; });
        } catch (cause) {
            error = cause as Error;
        }
        return stream;
    };
    return {
        file,
        get bytes() { return bytes; },
        get error() { return error; },
        write(chunk) {
            const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
            const before = bytes;
            bytes += size;
            const target = open();
            if (!target || error || truncated) return true;
            if (bytes <= maxBytes) return target.write(chunk);
            truncated = true;
            const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            target.write(buffer.subarray(0, maxBytes - before));
            return target.write(`\n[flow] log truncated: the output went past ${maxBytes} bytes; the rest was not written\n`);
        },
        onceDrained(callback) {
            if (!stream || error || !stream.writableNeedDrain) {
                callback();
                return;
            }
            const done = (): void => {
                stream?.off('drain', done);
                stream?.off('close', done);
                callback();
            };
            stream.once('drain', done);
            stream.once('close', done);
        },
        close() {
            const target = stream;
            if (!target || target.destroyed) return Promise.resolve();
            // 'close' follows both a clean end and an error, so a broken disk cannot hold the attempt.
            return new Promise<void>(resolve => {
                target.once('close', () => resolve());
                target.end();
            });
        }
    };
}

/**
 * Output handling shared by runners: a bounded tail of a stream kept in memory, and a sink that
 * writes an attempt's whole output to its log file.
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
    text(): string {
        let buffer = Buffer.concat(this.chunks);
        if (buffer.length > this.maxBytes) buffer = buffer.subarray(buffer.length - this.maxBytes);
        const text = buffer.toString('utf8');
        return this.truncated ? text.replace(/^\uFFFD+/, '') : text;
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

/** Where an attempt's output goes. */
export interface LogSink {
    /** The log file's path, when output is kept in a file. */
    readonly file?: string;
    write(chunk: string | Buffer): void;
    /** Flushes and closes the file. */
    close(): Promise<void>;
}

/** A sink that drops everything: for runs that keep no logs. */
export const discardLog: LogSink = {
    write: () => undefined,
    close: async () => undefined
};

/** A sink that appends to `file`, creating its folder. */
export function fileLog(file: string): LogSink {
    let stream: WriteStream | undefined;
    return {
        file,
        write(chunk) {
            if (!stream) {
                mkdirSync(dirname(file), { recursive: true });
                stream = createWriteStream(file, { flags: 'a' });
            }
            stream.write(chunk);
        },
        close() {
            const open = stream;
            if (!open) return Promise.resolve();
            return new Promise<void>(resolve => open.end(() => resolve()));
        }
    };
}

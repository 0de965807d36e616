/**
 * A binary max-heap of items by a numeric score; items with equal scores leave in the order
 * they entered (FIFO), so the order is deterministic. Written here because the ready queue is
 * the engine's hot path: push and pop are O(log n) with no allocation beyond the entry.
 */

interface HeapEntry<T> {
    score: number;
    /** Insertion number: the tie-breaker that makes equal scores FIFO. */
    order: number;
    item: T;
}

export class ScoreHeap<T> {
    private entries: Array<HeapEntry<T>> = [];
    private inserted = 0;

    get size(): number {
        return this.entries.length;
    }

    /**
     * @param order the tie-breaker among equal scores (lower leaves first); give one from a
     * shared counter to keep several heaps FIFO with each other. @default insertion order
     */
    push(item: T, score: number, order = this.inserted++): void {
        const entries = this.entries;
        entries.push({ score, order, item });
        this.siftUp(entries.length - 1);
    }

    /** The item with the highest score, without removing it. */
    peek(): T | undefined {
        return this.entries[0]?.item;
    }

    peekScore(): number | undefined {
        return this.entries[0]?.score;
    }

    /** The insertion number of the head, for FIFO tie-breaking across heaps. */
    peekOrder(): number | undefined {
        return this.entries[0]?.order;
    }

    pop(): T | undefined {
        const entries = this.entries;
        if (entries.length === 0) return undefined;
        const top = entries[0];
        const last = entries.pop()!;
        if (entries.length > 0) {
            entries[0] = last;
            this.siftDown(0);
        }
        return top.item;
    }

    /** Every item, in no particular order. */
    items(): T[] {
        return this.entries.map(entry => entry.item);
    }

    /**
     * Recomputes every score and restores the heap in O(n). Items for which `score` returns
     * undefined are dropped. Insertion order is kept, so ties stay FIFO.
     */
    rescore(score: (item: T) => number | undefined): void {
        const kept: Array<HeapEntry<T>> = [];
        for (const entry of this.entries) {
            const next = score(entry.item);
            if (next !== undefined) kept.push({ score: next, order: entry.order, item: entry.item });
        }
        this.entries = kept;
        for (let index = (kept.length >> 1) - 1; index >= 0; index--) this.siftDown(index);
    }

    clear(): void {
        this.entries = [];
    }

    private siftUp(index: number): void {
        const entries = this.entries;
        const entry = entries[index];
        while (index > 0) {
            const parentIndex = (index - 1) >> 1;
            const parent = entries[parentIndex];
            if (!before(entry, parent)) break;
            entries[index] = parent;
            index = parentIndex;
        }
        entries[index] = entry;
    }

    private siftDown(index: number): void {
        const entries = this.entries;
        const length = entries.length;
        const entry = entries[index];
        for (;;) {
            const left = 2 * index + 1;
            if (left >= length) break;
            const right = left + 1;
            const child = right < length && before(entries[right], entries[left]) ? right : left;
            if (!before(entries[child], entry)) break;
            entries[index] = entries[child];
            index = child;
        }
        entries[index] = entry;
    }
}

function before<T>(a: HeapEntry<T>, b: HeapEntry<T>): boolean {
    return a.score > b.score || (a.score === b.score && a.order < b.order);
}

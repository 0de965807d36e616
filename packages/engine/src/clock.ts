/**
 * Time for the engine. The runner reads the time and sets timers only through a `Clock`, so
 * tests drive timeouts, backoff, deadlines, aging and breaker recovery with a `VirtualClock`
 * exactly and instantly, and the CLI uses the system clock.
 */
import { ScoreHeap } from './heap.js';

/** An opaque timer handle, as returned by `Clock.setTimeout`. */
export type TimerHandle = unknown;

export interface Clock {
    /** Milliseconds since the epoch. */
    now(): number;
    setTimeout(callback: () => void, ms: number): TimerHandle;
    clearTimeout(handle: TimerHandle): void;
}

/** Node's timers overflow above 2^31-1 ms (about 24.8 days) and would fire at once. */
const LONGEST_NODE_TIMER = 2 ** 31 - 1;

interface SystemTimer {
    timeout?: ReturnType<typeof setTimeout>;
}

/** The machine's clock. Delays longer than Node's timers allow are chained. */
export const systemClock: Clock = {
    now: () => Date.now(),
    setTimeout: (callback, ms) => {
        const handle: SystemTimer = {};
        const due = Date.now() + Math.max(0, ms);
        const arm = (): void => {
            const remaining = due - Date.now();
            if (remaining > LONGEST_NODE_TIMER) handle.timeout = setTimeout(arm, LONGEST_NODE_TIMER);
            else handle.timeout = setTimeout(callback, Math.max(0, remaining));
        };
        arm();
        return handle;
    },
    clearTimeout: handle => clearTimeout((handle as SystemTimer).timeout)
};

interface VirtualTimer {
    id: number;
    due: number;
    callback: () => void;
}

/**
 * A clock that moves only when told to, like XState's `SimulatedClock`. `advance` and `runAll`
 * fire due timers in order of their due time (ties in the order they were set) and let pending
 * promise callbacks settle between timers, so work that a timer starts can set the next timer
 * before time moves on. Timers wait in a heap, so a run with many timers stays fast.
 */
export class VirtualClock implements Clock {
    private current: number;
    /** Keyed by −due, ties by id: the heap's head is the earliest timer. */
    private readonly queue = new ScoreHeap<VirtualTimer>();
    /** Timers set and neither fired nor cleared; cleared ones leave the heap lazily. */
    private readonly live = new Set<number>();
    private nextId = 1;

    /** @param start the initial time in milliseconds since the epoch. @default 2024-01-01T00:00:00Z */
    constructor(start = Date.UTC(2024, 0, 1)) {
        this.current = start;
    }

    now(): number {
        return this.current;
    }

    setTimeout(callback: () => void, ms: number): TimerHandle {
        const id = this.nextId++;
        const due = this.current + Math.max(0, ms);
        this.queue.push({ id, due, callback }, -due, id);
        this.live.add(id);
        return id;
    }

    clearTimeout(handle: TimerHandle): void {
        this.live.delete(handle as number);
    }

    /** How many timers are set and have not fired. */
    get pendingTimers(): number {
        return this.live.size;
    }

    /** Moves time forward by `ms`, firing every timer due on the way. */
    async advance(ms: number): Promise<void> {
        const target = this.current + ms;
        await settle();
        for (let timer = this.earliest(); timer && timer.due <= target; timer = this.earliest()) {
            this.fire(timer);
            await settle();
        }
        this.current = Math.max(this.current, target);
        await settle();
    }

    /** XState's name for `advance`. */
    increment(ms: number): Promise<void> {
        return this.advance(ms);
    }

    /**
     * Fires timers until none is left, moving time to each one's due time.
     * @param limit how many timers to fire at most, against a workflow that never ends. @default 100000
     */
    async runAll(limit = 100_000): Promise<void> {
        await settle();
        for (let fired = 0; fired < limit; fired++) {
            const timer = this.earliest();
            if (!timer) return;
            this.fire(timer);
            await settle();
        }
        throw new Error(`VirtualClock.runAll fired ${limit} timers and timers remain: something sets timers forever.`);
    }

    private fire(timer: VirtualTimer): void {
        this.queue.pop();
        this.live.delete(timer.id);
        this.current = Math.max(this.current, timer.due);
        timer.callback();
    }

    private earliest(): VirtualTimer | undefined {
        while (this.queue.size > 0 && !this.live.has(this.queue.peek()!.id)) this.queue.pop();
        return this.queue.peek();
    }
}

/**
 * Lets every pending promise callback run. `setImmediate` runs after the microtask queue is
 * empty, and a few rounds let chains that hop through Node's own callbacks settle too.
 */
async function settle(): Promise<void> {
    for (let round = 0; round < 3; round++) {
        await new Promise<void>(resolve => setImmediate(resolve));
    }
}

import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/clock.js';
import { TaskFailure } from '../../src/errors.js';
import { EchoRunner, FailRunner, SleepRunner } from '../../src/runners/builtins.js';
import { attempt, context, failureOf } from './helpers.js';

describe('demo built-ins', () => {
    it('sleep waits on the clock for exactly its time and says it is a demo', async () => {
        const clock = new VirtualClock();
        const sleeping = context(attempt({ kind: 'sleep', ms: 2000 }), '/', { clock });
        let result: unknown;
        void new SleepRunner().run(sleeping).then(value => { result = value; });
        await clock.advance(1999);
        expect(result).toBeUndefined();
        await clock.advance(1);
        expect(result).toEqual({ sleptMs: 2000 });
        expect(sleeping.log.text()).toBe('[demo] sleep 2000 ms (a built-in that waits and does no work)\n');
    });

    it('sleep stops at once when the signal aborts, and leaves no timer behind', async () => {
        const clock = new VirtualClock();
        const controller = new AbortController();
        const outcome = new SleepRunner().run(context(attempt({ kind: 'sleep', ms: 60_000 }), '/', { clock, signal: controller.signal }));
        const reason = TaskFailure.timeout(100);
        controller.abort(reason);
        expect(await failureOf(outcome)).toBe(reason);
        expect(clock.pendingTimers).toBe(0);
    });

    it('echo returns its value with placeholders filled in', async () => {
        const echo = context(attempt({ kind: 'echo', value: 'topic: {{param.topic}}' }, { params: { topic: 'AI' } }), '/');
        expect(await new EchoRunner().run(echo)).toBe('topic: AI');
        expect(echo.log.text()).toContain('[demo] echo "topic: AI"');
    });

    it('echo returns a non-string value as it is', async () => {
        expect(await new EchoRunner().run(context(attempt({ kind: 'echo', value: { size: 3 } }), '/'))).toEqual({ size: 3 });
    });

    it.each([
        [{}, { kind: 'demo_failure' }],
        [{ errorKind: 'timeout' }, { kind: 'timeout' }],
        [{ exitCode: 75 }, { kind: 'exit_code', exitCode: 75 }],
        [{ errorKind: 'agent_unavailable', exitCode: 2 }, { kind: 'agent_unavailable', exitCode: 2 }]
    ])('fail %o fails with %o', async (settings, expected) => {
        const failure = await failureOf(new FailRunner().run(context(attempt({ kind: 'fail', message: 'broke on {{param.day}}', ...settings }, { params: { day: 'Monday' } }), '/')));
        expect(failure.toJSON()).toEqual({ message: 'broke on Monday', nonRetryable: false, details: { demo: true }, ...expected });
    });
});

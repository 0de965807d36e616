import { describe, expect, it } from 'vitest';
import { parseAnalyticsViewMessage, parseProgressViewMessage, savedRunId, type AnalyticsViewMessage, type ProgressViewMessage } from '../../vscode/src/shared/messages.js';

describe('messages from the progress webview, as the extension checks them', () => {
    it.each<ProgressViewMessage>([
        { type: 'ready' },
        { type: 'ready', runId: 'run-1' },
        { type: 'selectTask', task: 'build' },
        { type: 'selectTask', task: null },
        { type: 'requestLog', task: 'build', attempt: 2 },
        { type: 'requestLog', task: 'quarterly', attempt: 1, item: 0 },
        { type: 'requestScore', task: 'build' },
        { type: 'revealTask', task: 'build' }
    ])('accepts $type as sent', message => {
        expect(parseProgressViewMessage(structuredClone(message))).toEqual(message);
    });

    it.each([
        ['not an object', 'ready'],
        ['an unknown type', { type: 'runCommand', command: 'rm -rf /' }],
        ['a task that is not a name', { type: 'requestScore', task: 42 }],
        ['an empty task name', { type: 'revealTask', task: '' }],
        ['attempt 0', { type: 'requestLog', task: 'build', attempt: 0 }],
        ['a fractional attempt', { type: 'requestLog', task: 'build', attempt: 1.5 }],
        ['a negative item', { type: 'requestLog', task: 'build', attempt: 1, item: -1 }],
        ['a path for a log', { type: 'requestLog', task: 'build', attempt: '../../etc/passwd' }]
    ])('refuses %s', (_what, value) => {
        expect(parseProgressViewMessage(value)).toBeUndefined();
    });

    it('keeps only the fields a message has', () => {
        expect(parseProgressViewMessage({ type: 'requestScore', task: 'build', file: '/etc/passwd' })).toEqual({ type: 'requestScore', task: 'build' });
    });

    it('reads the run id of a saved state, and nothing from another value', () => {
        expect(savedRunId({ runId: 'run-1', view: {} })).toBe('run-1');
        expect(savedRunId(undefined)).toBeUndefined();
        expect(savedRunId({ runId: 7 })).toBeUndefined();
    });
});

describe('messages from the analytics webview, as the extension checks them', () => {
    it.each<AnalyticsViewMessage>([
        { type: 'ready' },
        { type: 'ready', timeframe: 'last-7-days', source: 1 },
        { type: 'query', timeframe: 'all', source: 0 }
    ])('accepts $type as sent', message => {
        expect(parseAnalyticsViewMessage(structuredClone(message))).toEqual(message);
    });

    it.each([
        ['a timeframe the panel does not offer', { type: 'query', timeframe: 'last-9999-days', source: 0 }],
        ['a query without a folder', { type: 'query', timeframe: 'all' }],
        ['a negative folder', { type: 'query', timeframe: 'all', source: -1 }],
        ['an unknown type', { type: 'runSql', sql: 'DROP TABLE runs' }]
    ])('refuses %s', (_what, value) => {
        expect(parseAnalyticsViewMessage(value)).toBeUndefined();
    });
});

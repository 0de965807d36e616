import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '@flow/model';
import { buildWorkspace, compileFile, compileOne } from './workspace.js';

/**
 * One test per resolution rule of the compiler: the model holds effective values, so each test
 * shows what a task gets from its type, the workflow's policies and its phase or stream.
 * Tasks use `run echo` so that no agent is needed.
 */
describe('type defaults', () => {
    it('are merged into a task: timeout, capabilities, output format and checks', async () => {
        const model = await compileOne(`workflow W {
  type audit { timeout 1h  requires scanning  output audit_report  checks risk }
  task a: audit { requires signing  run echo {} }
}`);
        expect(model.tasks[0]).toMatchObject({
            type: 'audit', timeoutMs: 3_600_000, requires: ['scanning', 'signing'], outputFormat: 'audit_report', checks: ['risk']
        });
    });

    it('yield to the task\'s own timeout', async () => {
        const model = await compileOne(`workflow W {
  type audit { timeout 1h }
  task a: audit { timeout 10m  run echo {} }
}`);
        expect(model.tasks[0].timeoutMs).toBe(600_000);
    });

    it('put a task into the pool that takes its type', async () => {
        const model = await compileOne(`workflow W {
  type crunch { timeout 1m }
  pool cpu { concurrency 2  types crunch }
  task a: crunch { run echo {} }
  task b: crunch { pool io  run echo {} }
  pool io { concurrency 8 }
}`);
        expect(model.tasks.map(task => task.pool)).toEqual(['cpu', 'io']);
    });
});

describe('retry policy', () => {
    it('is inherited from the workflow', async () => {
        const model = await compileOne(`workflow W {
  retry { attempts 3  backoff linear 2s max 1m  on timeout }
  type chore { timeout 1m }
  task a: chore { run echo {} }
}`);
        expect(model.tasks[0].retry).toEqual({ ...DEFAULT_RETRY, attempts: 3, backoff: 'linear', baseMs: 2000, maxMs: 60_000, on: ['timeout'] });
    });

    it('is overridden field by field by the task, which wins', async () => {
        const model = await compileOne(`workflow W {
  type chore { timeout 1m }
  retry { attempts 3  backoff linear 2s }
  task a: chore { retry 5  run echo {} }
  task b: chore { retry { backoff fixed 1s }  run echo {} }
}`);
        const [a, b] = model.tasks;
        expect(a.retry).toMatchObject({ attempts: 5, backoff: 'linear', baseMs: 2000 });
        expect(b.retry).toMatchObject({ attempts: 3, backoff: 'fixed', baseMs: 1000 });
    });
});

describe('phases and streams', () => {
    const structured = `workflow W {
  type chore { timeout 1m }
  phase prepare {
    task p1: chore { run echo {} }
    task p2: chore { run echo {} }
  }
  phase build after prepare {
    stream lane sequential {
      task s1: chore { run echo {} }
      task s2: chore { run echo {} }
    }
    task solo: chore { run echo {} }
  }
}`;

    it('become explicit dependency edges: phase after, sequential stream', async () => {
        const model = await compileOne(structured);
        const dependencies = Object.fromEntries(model.tasks.map(task => [task.id, task.dependencies]));
        expect(dependencies).toEqual({
            p1: [], p2: [],
            // Entry tasks of the phase wait for the exits of the phase it comes after.
            s1: ['p1', 'p2'],
            // Inside the sequential stream, s2 waits for s1 only: it is not an entry task.
            s2: ['s1'],
            solo: ['p1', 'p2']
        });
        expect(model.tasks.every(task => task.declaredDependencies.length === 0)).toBe(true);
    });

    it('stay on each task for display', async () => {
        const model = await compileOne(structured);
        expect(model.tasks.map(task => [task.id, task.phase, task.stream])).toEqual([
            ['p1', 'prepare', undefined], ['p2', 'prepare', undefined],
            ['s1', 'build', 'lane'], ['s2', 'build', 'lane'], ['solo', 'build', undefined]
        ]);
        expect(model.phases).toEqual([
            { name: 'prepare', mode: 'parallel', after: [], streams: [], tasks: ['p1', 'p2'] },
            { name: 'build', mode: 'parallel', after: ['prepare'], streams: [{ name: 'lane', mode: 'sequential', tasks: ['s1', 's2'] }], tasks: ['solo'] }
        ]);
    });

    it('chain the elements of a sequential phase, a stream counting as one element', async () => {
        const model = await compileOne(`workflow W {
  type chore { timeout 1m }
  phase only sequential {
    task first: chore { run echo {} }
    stream side { task x: chore { run echo {} }  task y: chore { run echo {} } }
    task last: chore { run echo {} }
  }
}`);
        expect(Object.fromEntries(model.tasks.map(task => [task.id, task.dependencies]))).toEqual({
            first: [], x: ['first'], y: ['first'], last: ['x', 'y']
        });
    });

    it('keep the written dependencies apart from the derived ones', async () => {
        const model = await compileOne(`workflow W {
  type chore { timeout 1m }
  phase a { task a1: chore { run echo {} } }
  phase b after a { task b1: chore { run echo {} }  task b2: chore after b1 { run echo {} } }
}`);
        const b2 = model.tasks.find(task => task.id === 'b2')!;
        expect(b2.declaredDependencies).toEqual(['b1']);
        expect(b2.dependencies).toEqual(['b1']);
        expect(model.tasks.find(task => task.id === 'b1')!.dependencies).toEqual(['a1']);
    });
});

describe('conditions', () => {
    it('become a safe expression tree with the operators\' precedence', async () => {
        const model = await compileOne(`workflow W {
  type chore { timeout 1m }
  param limit: number = 10
  task a: chore { run echo { size: 3 } }
  task b: chore after a { when a.result.size * 2 > param.limit or not (a.status == "failed")  run echo {} }
}`);
        const size = { kind: 'member', object: { kind: 'member', object: { kind: 'task', task: 'a' }, property: 'result' }, property: 'size' };
        expect(model.tasks[1].condition).toEqual({
            action: 'execute',
            text: 'a.result.size * 2 > param.limit or not (a.status == "failed")',
            expression: {
                kind: 'binary', operator: 'or',
                left: {
                    kind: 'binary', operator: '>',
                    left: { kind: 'binary', operator: '*', left: size, right: { kind: 'literal', value: 2 } },
                    right: { kind: 'param', name: 'limit' }
                },
                right: {
                    kind: 'not', operand: {
                        kind: 'binary', operator: '==',
                        left: { kind: 'member', object: { kind: 'task', task: 'a' }, property: 'status' },
                        right: { kind: 'literal', value: 'failed' }
                    }
                }
            }
        });
    });

    it('written as skip when keep the skip action', async () => {
        const model = await compileOne(`workflow W {
  type chore { timeout 1m }
  task a: chore { run echo {} }
  task b: chore after a { skip when a.result.cached == true  run echo {} }
}`);
        expect(model.tasks[1].condition).toMatchObject({ action: 'skip', text: 'a.result.cached == true' });
    });
});

describe('durations', () => {
    it('are milliseconds everywhere in the model', async () => {
        const model = await compileOne(`workflow W {
  type chore { timeout 1h30m }
  timeout 2d
  retry { backoff exponential 1.5s max 90s }
  breaker { recovery 10m }
  cache { ttl 1h  types chore }
  schedule { aging 1.2 every 30s  level urgent sla 15m }
  recover { on resource_unavailable retry after 1m }
  task a: chore { run sleep 250ms }
  task b: chore { cache true ttl 45m  run echo {} }
}`);
        expect(model.tasks[0].timeoutMs).toBe(5_400_000);
        expect(model.policies.timeoutMs).toBe(172_800_000);
        expect(model.policies.retry).toMatchObject({ baseMs: 1500, maxMs: 90_000 });
        expect(model.policies.breaker.recoveryMs).toBe(600_000);
        expect(model.tasks[0].cache).toEqual({ enabled: true, ttlMs: 3_600_000 });
        expect(model.tasks[1].cache).toEqual({ enabled: true, ttlMs: 2_700_000 });
        expect(model.policies.scheduling).toMatchObject({ agingFactor: 1.2, agingIntervalMs: 30_000 });
        expect(model.policies.scheduling.levels.urgent.slaMs).toBe(900_000);
        expect(model.policies.recovery).toEqual([{ on: ['resource_unavailable'], then: { action: 'retry', delayMs: 60_000, attempts: 1 } }]);
        expect(model.tasks[0].run).toEqual({ kind: 'sleep', ms: 250 });
    });
});

describe('templates', () => {
    it('are instantiated with the arguments as parameter defaults', async () => {
        const workspace = await buildWorkspace({
            '/test/template.flow': `template workflow research {
  param topic: string = "AI"
  param depth: "basic" | "deep" = "basic"
  type chore { timeout 1m }
  task gather: chore "Research {{param.topic}}" { run echo {} }
}`,
            '/test/main.flow': 'workflow quantum from research(topic: "quantum computing") { version "2" }'
        });
        const [instance] = compileFile(workspace, '/test/main.flow');
        expect(instance.name).toBe('quantum');
        expect(instance.template).toBeUndefined();
        expect(instance.version).toBe('2');
        expect(instance.params.map(param => [param.name, param.default])).toEqual([['topic', 'quantum computing'], ['depth', 'basic']]);
        expect(instance.tasks.map(task => task.id)).toEqual(['gather']);
        const [template] = compileFile(workspace, '/test/template.flow');
        expect(template.template).toBe(true);
    });
});

describe('workspace declarations', () => {
    it('come after the workflow\'s own, which shadow them by name', async () => {
        const workspace = await buildWorkspace({
            '/test/agents.flow': 'agent shared { capabilities a }\nagent mine { capabilities from_root }\n',
            '/test/main.flow': `workflow W {
  agent mine { capabilities local }
  type chore { timeout 1m }
  task t: chore { run echo {} }
}`
        });
        const [model] = compileFile(workspace, '/test/main.flow');
        expect(model.agents.map(agent => [agent.name, agent.capabilities])).toEqual([['mine', ['local']], ['shared', ['a']]]);
    });
});

describe('notifications of the workspace', () => {
    it('reach a workflow only where it names them; its own always subscribe to its events', async () => {
        const workspace = await buildWorkspace({
            '/test/shared.flow': 'notification ops { on failed  run shell "./page.sh" }\nnotification audit { on completed }\n',
            '/test/main.flow': `workflow W {
  notification team { on completed }
  type chore { timeout 1m }
  task a: chore { run echo {} }
  on failure { notify ops }
}`
        });
        const [model] = compileFile(workspace, '/test/main.flow');
        expect(model.notifications.map(notification => notification.name).sort()).toEqual(['ops', 'team']);
    });
});

import { describe, expect, it } from 'vitest';
import { modelToFlow } from '../../src/compiler/flow-generator.js';
import { buildWorkspace, compileFile, compileOne, problems, withoutSources } from './workspace.js';

/** Compiles `text`, writes the model back as .flow, and compiles that: both models must be equal. */
async function expectRoundTrip(text: string): Promise<string> {
    const model = await compileOne(text);
    const written = modelToFlow(model);
    const workspace = await buildWorkspace({ '/test/written.flow': written });
    expect(problems(workspace.documents.get('/test/written.flow')!)).toEqual([]);
    expect(withoutSources(compileFile(workspace, '/test/written.flow')[0])).toEqual(withoutSources(model));
    return written;
}

describe('modelToFlow', () => {
    it('writes parameter defaults with the literal of their type', async () => {
        const written = await expectRoundTrip(`workflow W {
  param since: datetime = 2024-01-01T00:00:00Z
  param wait: duration = 90s
  param items: list = [1, "a", null]
  param settings: object = { nested: { offset: -2 } }
  type chore { timeout 1m }
  task a: chore { run echo {} }
}`);
        expect(written).toContain('param since: datetime = 2024-01-01T00:00:00Z\n');
        expect(written).toContain('param wait: duration = 1m30s\n');
    });

    it('writes strings and doc comments with their escapes', async () => {
        await expectRoundTrip(`/** Unicode é, "quotes" and a closing *\\/ in the text. */
workflow W {
  param topic: string = "line\\nbreak \\"q\\" \\\\ tab\\t"
  type chore { timeout 1m }
  task a: chore "Say {{param.topic}}" { run shell "echo \\"{{param.topic}}\\"" }
}`);
    });

    it('writes several conditions of one task as one that means the same', async () => {
        const written = await expectRoundTrip(`workflow W {
  type chore { timeout 1m }
  task a: chore { run echo { n: 1 } }
  task b: chore after a { when a.result.n > 0  when a.result.n < 10  skip when a.result.skip == true  run echo {} }
}`);
        expect(written).toContain('when a.result.n > 0 and a.result.n < 10 and not (a.result.skip == true)');
    });

    it('writes only the part of a task\'s retry policy that differs from the workflow\'s', async () => {
        const written = await expectRoundTrip(`workflow W {
  type chore { timeout 1m }
  retry { attempts 3  backoff exponential 2s max 1m  jitter 0.1  on timeout  exit 75 }
  task a: chore { retry { backoff linear 1s }  run echo {} }
  task b: chore { retry 5  run echo {} }
}`);
        expect(written).toContain('task a: chore { retry { backoff linear 1s max 1m } run echo {} }');
        expect(written).toContain('task b: chore { retry 5 run echo {} }');
    });

    it('writes triggers, markers, recurrence, completion and compensation', async () => {
        await expectRoundTrip(`workflow W {
  type chore { timeout 1m }
  task a: chore { run echo {} }
  task b: chore { run echo {} }
  task c: chore after a, b { trigger one_success  start 2030-01-01T00:00:00+02:00  deadline 2030-01-02T00:00:00Z  run echo {} }
  checkpoint both after a, b "both done"
  milestone finished after c
  repeat cron "0 9 * * 1-5" timezone "Europe/Berlin" starting 2030-01-01T00:00:00Z
  completion { criteria any_task_completed }
  on failure { compensate a with run node "./undo.js" export undo  escalate }
}`);
    });

    it('writes every kind of runner', async () => {
        await expectRoundTrip(`workflow W {
  type chore { timeout 1m }
  agent remote { capabilities fetch  weight 3  concurrency 2  run http get "http://127.0.0.1:9" }
  notification chat { on started  run lm "hi" { model "m" system "s" } }
  task a: chore { requires fetch  agent remote }
  task b: chore { run node "./m.js" }
  task c: chore { run http delete "http://127.0.0.1:9/x" { headers { "X-Key": "k" } body "{}" timeout 5s } }
  task d: chore { run fail "boom" kind timeout exit 2 }
  task e: chore { run vscode_task "build" }
  task f: chore { run sleep 1500ms }
}`);
    });
});

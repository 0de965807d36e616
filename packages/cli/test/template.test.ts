import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flowctl, hasStackTrace, useWorkspaces, type FlowctlResult } from './flowctl-process.js';

const makeWorkspace = useWorkspaces();
const workspace = (files: Record<string, string> = {}): string => makeWorkspace(files);

/** The last event of `flowctl run --json`. */
function lastEvent(result: FlowctlResult): Record<string, unknown> {
    return JSON.parse(result.stdout.trim().split('\n').at(-1)!);
}

/** A failure meant for the user: exit 2, one message naming what is wrong, no stack trace. */
function expectUserError(result: FlowctlResult, message: RegExp): void {
    expect(result.stderr).toMatch(message);
    expect(hasStackTrace(result.stderr)).toBe(false);
    expect(result.stdout).toBe('');
    expect(result.status).toBe(2);
}

// A workspace template whose task writes its parameter into a file, so a test sees what ran.
const greeting = `/** Writes a greeting. */
template workflow greeting {
  /** Who is greeted. */
  param name: string
  param punctuation: string = "!"
  type chore { timeout 1m }
  task greet: chore { run shell "printf 'hello %s%s' {{param.name}} {{param.punctuation}} > greeting.txt" }
}
`;

// A workflow to make templates from.
const nightly = `/** Nightly numbers. */
workflow nightly {
  param day: string = "monday"
  param team: string = "ops"
  type chore { timeout 1m }
  task report: chore { run shell "printf '%s %s' {{param.day}} {{param.team}} > report.txt" }
}
`;

describe('flowctl template list', () => {
    it('lists the built-in templates with their parameters: type, default and description', () => {
        const result = flowctl(['template', 'list'], workspace());
        expect(result.stdout).toMatch(/^research_analysis {2}\(built-in\)$/m);
        expect(result.stdout).toMatch(/^ {2}topic +string = "AI trends" +What to research\.$/m);
        expect(result.stdout).toMatch(/^ {2}data_source +string, required +The CSV file to process/m);
        expect(result.stdout.match(/^\S+ {2}\(built-in\)$/gm)).toEqual([
            'content_pipeline  (built-in)', 'data_pipeline  (built-in)', 'product_launch  (built-in)', 'research_analysis  (built-in)'
        ]);
        expect(result.status).toBe(0);
    });

    it('lists a template of the workspace\'s templates/ folder with its file, description and parameters', () => {
        const result = flowctl(['template', 'list'], workspace({ 'templates/greeting.flow': greeting }));
        expect(result.stdout).toMatch(/^greeting {2}\(templates\/greeting\.flow:2\)\n {2}Writes a greeting\.\n {2}name +string, required +Who is greeted\.\n {2}punctuation +string = "!"$/m);
        expect(result.stderr).toBe('');
    });

    it('shows a workspace template in place of the built-in of the same name', () => {
        const mine = greeting.replace('template workflow greeting', 'template workflow research_analysis');
        const result = flowctl(['template', 'list', '--json'], workspace({ 'templates/mine.flow': mine }));
        const listed = JSON.parse(result.stdout).templates.filter((template: { name: string }) => template.name === 'research_analysis');
        expect(listed).toEqual([expect.objectContaining({ source: 'workspace', file: 'templates/mine.flow', replacesBuiltin: true, description: 'Writes a greeting.' })]);
    });

    it('reports the errors of a workspace template and which template they belong to', () => {
        const broken = 'template workflow broken {\n  param count: number = "three"\n}\n';
        const result = flowctl(['template', 'list'], workspace({ 'templates/broken.flow': broken, 'templates/greeting.flow': greeting }));
        expect(result.stderr).toMatch(/^templates\/broken\.flow:2:25: error: .*'count' must be a number.* \[flow\/type-mismatch\]$/m);
        expect(result.stdout).toMatch(/^broken {2}\(templates\/broken\.flow:1\) {2}1 error, see above$/m);
        expect(result.stdout).toMatch(/^greeting {2}\(templates\/greeting\.flow:2\)$/m);
    });
});

describe('flowctl template apply', () => {
    it('writes a workflow that validates and runs: the built-in research_analysis with a topic', () => {
        const dir = workspace();
        const applied = flowctl(['template', 'apply', 'research_analysis', '--parameters', '{"topic":"quantum computing"}', '-o', 'quantum.flow'], dir);
        expect(applied.stderr).toMatch(/^Wrote quantum\.flow \(workflow quantum from template research_analysis, with topic = "quantum computing"\)\.$/m);
        expect(applied.status).toBe(0);
        expect(readFileSync(join(dir, 'quantum.flow'), 'utf8')).toMatch(/^workflow quantum \{\n(.*\n)*  param topic: string = "quantum computing"$/m);

        expect(flowctl(['validate', 'quantum.flow'], dir).stdout).toBe('1 file checked: no problems.\n');
        const run = flowctl(['run', 'quantum.flow', '--json'], dir);
        expect(lastEvent(run)).toMatchObject({ type: 'run.completed' });
        expect(readFileSync(join(dir, 'research', 'brief.md'), 'utf8')).toMatch(/^# Research brief: quantum computing$/m);
    });

    it('runs the built-in data_pipeline on a CSV file into the chosen format', () => {
        const dir = workspace({ 'sales.csv': 'region,amount\nnorth,120\nsouth,"8"\n' });
        flowctl(['template', 'apply', 'data_pipeline', '--parameters', '{"data_source":"sales.csv"}', '-o', 'sales.flow'], dir);
        const run = flowctl(['run', 'sales.flow', '--json'], dir);
        expect(lastEvent(run)).toMatchObject({ type: 'run.completed' });
        expect(JSON.parse(readFileSync(join(dir, 'output', 'data.json'), 'utf8'))).toEqual([
            { region: 'north', amount: '120' }, { region: 'south', amount: '"8"' }
        ]);
        expect(JSON.parse(readFileSync(join(dir, 'output', 'manifest.json'), 'utf8'))).toEqual(
            { source: 'sales.csv', format: 'json', rows: 2, file: 'output/data.json' });
    });

    it('announces a product launch from the built-in product_launch only once no checklist item is open', () => {
        const dir = workspace();
        flowctl(['template', 'apply', 'product_launch', '--parameters', '{"product":"Rocket","launch_date":"2025-06-01T09:00:00Z"}', '-o', 'launch.flow'], dir);
        const first = flowctl(['run', 'launch.flow', '--json'], dir);
        const skipped = first.stdout.trim().split('\n').map(line => JSON.parse(line)).filter(event => event.type === 'task.skipped');
        expect(skipped).toEqual([expect.objectContaining({ task: 'announcement', reason: expect.stringContaining('readiness.result.open == 0') })]);
        expect(readFileSync(join(dir, 'launch', 'readiness.md'), 'utf8')).toMatch(/^11 items open$/m);
        expect(existsSync(join(dir, 'launch', 'announcement.md'))).toBe(false);

        for (const checklist of ['market_analysis', 'feature_spec', 'build', 'strategy']) {
            const file = join(dir, 'launch', `${checklist}.md`);
            writeFileSync(file, readFileSync(file, 'utf8').replaceAll('- [ ]', '- [x]'));
        }
        expect(lastEvent(flowctl(['run', 'launch.flow', '--json'], dir))).toMatchObject({ type: 'run.completed' });
        expect(readFileSync(join(dir, 'launch', 'announcement.md'), 'utf8')).toBe('# Announcing Rocket\n\nAvailable from 2025-06-01T09:00:00Z.\n');
    });

    it('publishes from the built-in content_pipeline only a draft the review approves', () => {
        const dir = workspace();
        flowctl(['template', 'apply', 'content_pipeline', '--parameters', '{"min_words":3,"channels":"blog"}', '-o', 'post.flow'], dir);
        flowctl(['run', 'post.flow', '--json'], dir);
        expect(readFileSync(join(dir, 'content', 'review.md'), 'utf8')).toMatch(/^- 3 TODO lines left$/m);
        expect(existsSync(join(dir, 'content', 'published'))).toBe(false);

        writeFileSync(join(dir, 'content', 'draft.md'), 'three whole words\n');
        flowctl(['run', 'post.flow', '--json'], dir);
        expect(readFileSync(join(dir, 'content', 'published', 'blog.md'), 'utf8')).toBe('three whole words\n');
    });

    it('writes every built-in template out as a workflow without errors or warnings', () => {
        const dir = workspace();
        const required: Record<string, string> = {
            data_pipeline: '{"data_source":"sales.csv"}', product_launch: '{"launch_date":"2025-06-01T09:00:00Z"}'
        };
        const names = ['content_pipeline', 'data_pipeline', 'product_launch', 'research_analysis'];
        for (const name of names) {
            const applied = flowctl(['template', 'apply', name, '--parameters', required[name] ?? '{}', '-o', `${name}_applied.flow`], dir);
            expect(applied.status, applied.stderr).toBe(0);
        }
        expect(flowctl(['validate', '.'], dir).stdout).toBe('4 files checked: no problems.\n');
    });

    it('prints the workflow to standard output without --output, and writes no file', () => {
        const dir = workspace({ 'templates/greeting.flow': greeting });
        const result = flowctl(['template', 'apply', 'greeting', '--param', 'name=Ada'], dir);
        expect(result.stdout).toBe(`// Made from template greeting (templates/greeting.flow) by flowctl template apply.
/** Writes a greeting. */
workflow my_greeting {
  /** Who is greeted. */
  param name: string = "Ada"
  param punctuation: string = "!"
  type chore { timeout 1m }
  task greet: chore { run shell "printf 'hello %s%s' {{param.name}} {{param.punctuation}} > greeting.txt" }
}
`);
        expect(result.stderr).toBe('');
        expect(readFileSync(join(dir, 'templates', 'greeting.flow'), 'utf8')).toBe(greeting);
    });

    it('writes each value as a literal of its parameter\'s type', () => {
        const typed = `template workflow typed {
  param wait: duration = 1m
  param count: number = 1
  param strict: boolean = false
  param tags: list = []
  param limits: object = {}
  param due: datetime = 2024-01-01T00:00:00Z
  type chore { timeout 1m }
  task a: chore { run shell "true" }
}
`;
        const dir = workspace({ 'templates/typed.flow': typed });
        const values = { wait: '1h30m', count: -2.5, strict: 'true', tags: ['a', 1], limits: { cpu: 2, 'max-rss': null, and: 'x' }, due: '2025-06-01T09:00:00Z' };
        const result = flowctl(['template', 'apply', 'typed', '--parameters', JSON.stringify(values)], dir);
        expect(result.stdout).toContain(`  param wait: duration = 1h30m
  param count: number = -2.5
  param strict: boolean = true
  param tags: list = ["a", 1]
  param limits: object = { cpu: 2, "max-rss": null, "and": "x" }
  param due: datetime = 2025-06-01T09:00:00Z
`);
        expect(result.status).toBe(0);
    });

    it('lists the templates there are when the name is unknown', () => {
        expectUserError(flowctl(['template', 'apply', 'reserch_analysis'], workspace()),
            /^flowctl: unknown template "reserch_analysis"\. The templates are content_pipeline, data_pipeline, product_launch, research_analysis /m);
    });

    it('names an unknown parameter and the template\'s parameters', () => {
        expectUserError(flowctl(['template', 'apply', 'research_analysis', '--parameters', '{"topik":"x"}'], workspace()),
            /^flowctl: template research_analysis has no parameter "topik": its parameters are topic, timeline, depth, output_dir\.$/m);
    });

    it('names a parameter whose value has the wrong type, and the type it expects', () => {
        expectUserError(flowctl(['template', 'apply', 'research_analysis', '--parameters', '{"depth":"deep"}'], workspace()),
            /^flowctl: parameter depth of template research_analysis must be one of "basic", "standard", "comprehensive" .*, and "deep" is not\.$/m);
    });

    it('asks for a parameter that has no default, with an example', () => {
        expectUserError(flowctl(['template', 'apply', 'data_pipeline'], workspace()),
            /^flowctl: template data_pipeline needs a value for data_source \(string\), which has no default: give it with --parameters '\{"data_source":"\.\.\."\}'\.$/m);
    });

    it('refuses to replace an existing file without --force, and replaces it with --force', () => {
        const dir = workspace({ 'greet.flow': '// mine\n', 'templates/greeting.flow': greeting });
        expectUserError(flowctl(['template', 'apply', 'greeting', '--param', 'name=Ada', '-o', 'greet.flow'], dir),
            /^flowctl: greet\.flow: the file already exists; pass --force to replace it, or choose another file with -o\.$/m);
        expect(readFileSync(join(dir, 'greet.flow'), 'utf8')).toBe('// mine\n');

        expect(flowctl(['template', 'apply', 'greeting', '--param', 'name=Ada', '-o', 'greet.flow', '--force'], dir).status).toBe(0);
        expect(readFileSync(join(dir, 'greet.flow'), 'utf8')).toMatch(/^workflow greet \{$/m);
    });

    it('refuses a template whose declaration has errors, showing them, and writes nothing', () => {
        const broken = greeting.replace('task greet: chore {', 'task greet: chore after missing {');
        const dir = workspace({ 'templates/greeting.flow': broken });
        const result = flowctl(['template', 'apply', 'greeting', '--param', 'name=Ada', '-o', 'greet.flow'], dir);
        expect(result.stderr).toMatch(/^templates\/greeting\.flow:7:27: error: .*'missing'.* \[flow\/unknown-reference\]$/m);
        expect(result.stderr).toMatch(/^templates\/greeting\.flow: template greeting has errors; fix them first\. Nothing was written\.$/m);
        expect(existsSync(join(dir, 'greet.flow'))).toBe(false);
        expect(result.status).toBe(1);
    });

    it('refuses a workflow name another file of the workspace already uses', () => {
        const dir = workspace({ 'greet.flow': 'workflow my_greeting {}\n', 'templates/greeting.flow': greeting });
        expectUserError(flowctl(['template', 'apply', 'greeting', '--param', 'name=Ada'], dir),
            /^flowctl: greet\.flow:1 already declares a workflow named my_greeting, .*give the new workflow another name with --name\. Nothing was written\.$/m);
    });

    it('refuses an output file that is not a .flow file', () => {
        expectUserError(flowctl(['template', 'apply', 'research_analysis', '-o', 'research.json'], workspace()),
            /^flowctl: -o research\.json: apply writes a \.flow workflow; give a file name ending in \.flow/m);
    });
});

describe('flowctl template create', () => {
    it('makes templates/<name>.flow from a workflow, which apply then turns into a workflow that runs', () => {
        const dir = workspace({ 'nightly.flow': nightly });
        const created = flowctl(['template', 'create', 'nightly_report', '--from', 'nightly.flow', '--parameters', 'day,team'], dir);
        expect(created.stderr).toMatch(/^Wrote templates\/nightly_report\.flow \(template nightly_report with parameters day, team\)\.$/m);
        expect(created.status).toBe(0);
        expect(readFileSync(join(dir, 'templates', 'nightly_report.flow'), 'utf8'))
            .toBe('// Made from workflow nightly of nightly.flow by flowctl template create.\n' +
                nightly.replace('workflow nightly {', 'template workflow nightly_report {'));

        expect(flowctl(['template', 'list'], dir).stdout).toMatch(/^nightly_report {2}\(templates\/nightly_report\.flow:3\)\n {2}Nightly numbers\./m);
        expect(flowctl(['template', 'apply', 'nightly_report', '--param', 'day=friday', '-o', 'friday.flow'], dir).status).toBe(0);
        expect(lastEvent(flowctl(['run', 'friday.flow', '--json'], dir))).toMatchObject({ type: 'run.completed' });
        expect(readFileSync(join(dir, 'report.txt'), 'utf8')).toBe('friday ops');
    });

    it('says which parameters stay in the template although --parameters leaves them out', () => {
        const result = flowctl(['template', 'create', 'nightly_report', '--from', 'nightly.flow', '--parameters', 'day'], workspace({ 'nightly.flow': nightly }));
        expect(result.stderr).toMatch(/^flowctl: note: parameter team is not in --parameters; it stays a parameter of the template with its default "ops", since the tasks read it\.$/m);
        expect(result.status).toBe(0);
    });

    it('refuses a parameter that the workflow does not declare, and says how to declare it', () => {
        const dir = workspace({ 'nightly.flow': nightly });
        expectUserError(flowctl(['template', 'create', 'nightly_report', '--from', 'nightly.flow', '--parameters', 'day,region'], dir),
            /^flowctl: --parameters: workflow nightly has no parameter region \(its parameters are day, team\)\. .*`param region: string = "\.\.\."`/m);
        expect(existsSync(join(dir, 'templates'))).toBe(false);
    });

    it('refuses to replace an existing template without --force, and replaces it with --force', () => {
        const dir = workspace({ 'nightly.flow': nightly, 'templates/nightly_report.flow': greeting });
        expectUserError(flowctl(['template', 'create', 'nightly_report', '--from', 'nightly.flow'], dir),
            /^flowctl: templates\/nightly_report\.flow: a template file of that name already exists; pass --force to replace it, or choose another name\.$/m);
        expect(readFileSync(join(dir, 'templates', 'nightly_report.flow'), 'utf8')).toBe(greeting);

        expect(flowctl(['template', 'create', 'nightly_report', '--from', 'nightly.flow', '--force'], dir).status).toBe(0);
        expect(readFileSync(join(dir, 'templates', 'nightly_report.flow'), 'utf8')).toMatch(/^template workflow nightly_report \{$/m);
    });

    it('refuses a template name that a workflow of the workspace already has', () => {
        const dir = workspace({ 'nightly.flow': nightly });
        expectUserError(flowctl(['template', 'create', 'nightly', '--from', 'nightly.flow'], dir),
            /^flowctl: nightly\.flow:2 already declares a workflow named nightly, .*choose another name for the template\. Nothing was written\.$/m);
        expect(existsSync(join(dir, 'templates'))).toBe(false);
    });

    it('refuses a workflow with errors, showing them where they are', () => {
        const dir = workspace({ 'nightly.flow': nightly.replace('task report: chore {', 'task report: chore after missing {') });
        const result = flowctl(['template', 'create', 'nightly_report', '--from', 'nightly.flow'], dir);
        expect(result.stderr).toMatch(/^nightly\.flow:6:28: error: .*'missing'.* \[flow\/unknown-reference\]$/m);
        expect(result.stderr).toMatch(/^nightly\.flow: workflow nightly has errors; fix them first\. Nothing was written\.$/m);
        expect(existsSync(join(dir, 'templates'))).toBe(false);
        expect(result.status).toBe(1);
    });

    it('asks which workflow when the file declares several', () => {
        const two = nightly + 'workflow weekly {}\n';
        expectUserError(flowctl(['template', 'create', 'report', '--from', 'two.flow'], workspace({ 'two.flow': two })),
            /^flowctl: two\.flow: the file declares 2 workflows \(nightly, weekly\); choose one with --workflow <name>\.$/m);
    });

    it('refuses a name that cannot name a template', () => {
        expectUserError(flowctl(['template', 'create', 'nightly-report', '--from', 'nightly.flow'], workspace({ 'nightly.flow': nightly })),
            /^flowctl: nightly-report: not a template name; use letters, digits and _/m);
    });
});

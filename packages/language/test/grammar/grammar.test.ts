import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AstUtils, EmptyFileSystem, GrammarAST, type AstNode, type LangiumDocument } from 'langium';
import { parseHelper } from 'langium/test';
import { createFlowServices, createFlowServicesWithBuiltins, type FlowServices } from '../../src/flow-module.js';
import * as ast from '../../src/generated/ast.js';
import { MAX_NESTING_DEPTH } from '../../src/parser/flow-lexer.js';

const RESERVED = ['and', 'or', 'not', 'true', 'false', 'null', 'param', 'item'];

let services: FlowServices;
let parse: (text: string) => Promise<LangiumDocument<ast.FlowFile>>;

beforeAll(async () => {
    services = (await createFlowServicesWithBuiltins()).Flow;
    parse = parseHelper<ast.FlowFile>(services);
});

/** Prints an expression fully parenthesised, so a test shows how it was grouped. */
function show(expression: AstNode | undefined): string {
    if (!expression) return '?';
    if (ast.isBinaryExpression(expression)) return `(${show(expression.left)} ${expression.operator} ${show(expression.right)})`;
    if (ast.isNotExpression(expression)) return `(not ${show(expression.operand)})`;
    if (ast.isNegationExpression(expression)) return `(-${show(expression.operand)})`;
    if (ast.isParenExpression(expression)) return show(expression.expression);
    if (ast.isMemberAccess(expression)) return `${show(expression.receiver)}.${expression.member}`;
    if (ast.isTaskRef(expression)) return expression.task.$refText;
    if (ast.isParamRef(expression)) return `param.${expression.param.$refText}`;
    if (ast.isItemRef(expression)) return 'item';
    if (ast.isBooleanLiteral(expression)) return String(expression.value);
    if (ast.isNullLiteral(expression)) return 'null';
    return String((expression as { value?: unknown }).value);
}

async function condition(expression: string): Promise<string> {
    const document = await parse(`workflow W { param n: number = 1  task a: research { run echo 1 }
        task b: research after a { run echo 2  when ${expression} } }`);
    expect(document.parseResult.lexerErrors).toEqual([]);
    expect(document.parseResult.parserErrors).toEqual([]);
    const task = AstUtils.streamAllContents(document.parseResult.value).filter(ast.isTaskCondition).head();
    return show(task?.condition);
}

describe('the grammar', () => {
    // Chevrotain's LL(*) lookahead reports an ambiguity when a parse first reaches it, so the
    // input below goes through every expression alternative.
    it('parses without ambiguity warnings', async () => {
        const printed: string[] = [];
        const capture = (...args: unknown[]) => { printed.push(args.map(String).join(' ')); };
        const spies = [vi.spyOn(console, 'log').mockImplementation(capture), vi.spyOn(console, 'warn').mockImplementation(capture)];
        try {
            const fresh = createFlowServices(EmptyFileSystem);
            fresh.Flow.parser.LangiumParser.parse(`workflow W { param n: number = 1  task a: research
                batch b: research "{{item.id}}" after a { items [{ id: "x" }] when item.id == "x" and a.result.n > param.n or (-1 < 2) and not true } }`);
        } finally {
            for (const spy of spies) spy.mockRestore();
        }
        expect(printed.filter(line => /ambigu/i.test(line))).toEqual([]);
    });
});

describe('keywords are soft', () => {
    it('every keyword except the reserved ones can be a name', async () => {
        const keywords = [...new Set(AstUtils.streamAllContents(services.Grammar)
            .filter(GrammarAST.isKeyword).map(k => k.value).filter(v => /^[A-Za-z_]\w*$/.test(v)))].sort();
        expect(keywords.length).toBeGreaterThan(100);
        const refused: string[] = [];
        for (const keyword of keywords.filter(k => !RESERVED.includes(k))) {
            const document = await parse(`workflow W { param ${keyword}: string  task ${keyword}: research { when param.${keyword} == "x" } }`);
            const task = AstUtils.streamAllContents(document.parseResult.value).filter(ast.isTask).head();
            if (document.parseResult.parserErrors.length > 0 || task?.name !== keyword) refused.push(keyword);
        }
        expect(refused).toEqual([]);
        for (const reserved of RESERVED) {
            const document = await parse(`workflow W { task ${reserved}: research }`);
            expect(document.parseResult.parserErrors.length, reserved).toBeGreaterThan(0);
        }
    });

    it('parses tasks and parameters named after keywords', async () => {
        const document = await parse(`workflow W { param type: string
            task run: research { run echo 1 }  task review: review after run { when run.result.ok } }`);
        expect(document.parseResult.parserErrors).toEqual([]);
        expect(document.references.filter(r => r.error)).toEqual([]);
    });

    it('keeps reserved words out of names', async () => {
        const document = await parse('workflow W { task param: research }');
        expect(document.parseResult.parserErrors.length).toBeGreaterThan(0);
    });

    it('lets several statements share a line', async () => {
        const document = await parse('workflow W { task a: research "x" { priority low run shell "true" tags a, b timeout 5m } }');
        expect(document.parseResult.parserErrors).toEqual([]);
        const task = document.parseResult.value.elements[0] as ast.Workflow;
        expect((task.members[0] as ast.Task).members.map(m => m.$type)).toEqual(['TaskPriority', 'TaskRun', 'TaskTags', 'TaskTimeout']);
    });
});

describe('expression precedence', () => {
    it.each([
        ['1 + 2 * 3', '(1 + (2 * 3))'],
        ['1 - 2 - 3', '((1 - 2) - 3)'],
        ['a.result.x > 5 and param.n < 3 or true', '(((a.result.x > 5) and (param.n < 3)) or true)'],
        ['a.result.size-1 == 0', '((a.result.size - 1) == 0)'],
        ['not a.result.ok == true', '((not a.result.ok) == true)'],
        ['not (a.result.ok == true)', '(not (a.result.ok == true))'],
        ['-param.n * 2', '((-param.n) * 2)'],
        ['a.result.x / 2 >= 1h', '((a.result.x / 2) >= 1h)']
    ])('%s groups as %s', async (text, expected) => {
        expect(await condition(text)).toBe(expected);
    });
});

describe('lexical rules', () => {
    it('reads a duration with several units as one token', async () => {
        const document = await parse('workflow W { task a: research { timeout 1h30m } }');
        const timeout = AstUtils.streamAllContents(document.parseResult.value).filter(ast.isTaskTimeout).head();
        expect(timeout?.value).toBe('1h30m');
    });

    it('reads an ISO date-time as one token', async () => {
        const document = await parse('workflow W { task a: research { deadline 2024-02-15T17:00:00Z } }');
        const deadline = AstUtils.streamAllContents(document.parseResult.value).filter(ast.isTaskDeadline).head();
        expect(deadline?.value).toBe('2024-02-15T17:00:00Z');
    });

    it.each(['5min', '10mb', '2 s'])('rejects %s where a duration is expected', async (text) => {
        const document = await parse(`workflow W { task a: research { timeout ${text} } }`);
        const errors = document.parseResult.lexerErrors.length + document.parseResult.parserErrors.length;
        expect(errors).toBeGreaterThan(0);
    });

    it('stops reading where nesting exceeds the bound, and says why', async () => {
        const nested = (depth: number) => `workflow W { task a: research { when ${'('.repeat(depth)}true${')'.repeat(depth)} } }`;
        const shallow = await parse(nested(MAX_NESTING_DEPTH - 4));
        expect(shallow.parseResult.lexerErrors).toEqual([]);
        const deep = await parse(nested(MAX_NESTING_DEPTH));
        expect(deep.parseResult.lexerErrors.map(e => e.message)).toEqual([
            expect.stringContaining(`Nesting deeper than ${MAX_NESTING_DEPTH} levels`)
        ]);
        expect(deep.parseResult.lexerErrors[0].column).toBe('workflow W { task a: research { when '.length + MAX_NESTING_DEPTH - 1);
    });

    it('parses the design sketch without errors', async () => {
        const document = await parse(DESIGN_SKETCH);
        expect(document.parseResult.lexerErrors).toEqual([]);
        expect(document.parseResult.parserErrors).toEqual([]);
        expect(document.references.filter(r => r.error).map(r => r.$refText)).toEqual([]);
    });
});

const DESIGN_SKETCH = `
/** Multi-stream product launch preparation. */
workflow ProductLaunch {
  version "1.0"
  param topic: string = "AI trends"
  param depth: "basic" | "standard" | "comprehensive" = "standard"
  agent researcher {
    capabilities web_search, document_analysis
    concurrency 2
    run shell "./scripts/research.sh {{param.topic}}"
  }
  pool cpu_intensive { concurrency 2 }
  type security_audit {
    timeout 1h
    requires vulnerability_scanning, compliance_checking
    output security_report
    checks risk_assessment
  }
  retry { attempts 3 backoff exponential 2s on timeout, agent_unavailable }
  breaker { failures 5 recovery 5m probes 3 }
  cache { ttl 1h types research, analysis }
  schedule { algorithm weighted_round_robin  aging 1.1 every 5m }
  phase preparation {
    task market_analysis: research "Analyze target market" {
      priority high
      deadline 2024-02-15T17:00:00Z
      timeout 30m
      tags market, research
      metadata { budget: 5000, confidentiality: "internal" }
      run shell "./scripts/market.sh {{param.topic}}"
    }
  }
  phase development after preparation {
    stream product {
      task feature_spec: design "Define product features"
      task build: implementation "Implement product features" after feature_spec { pool cpu_intensive }
    }
    stream marketing {
      task strategy: planning "Develop marketing strategy"
    }
  }
  task deep_analysis: analysis "Deep market analysis" {
    after market_analysis
    when market_analysis.result.marketSize > 1000000
  }
  batch quarterly: analysis "Analyze {{item.id}}" {
    items [{ id: "q1", data: "./data/q1.csv" }, { id: "q2", data: "./data/q2.csv" }]
    concurrency 4
    on failure continue
  }
  checkpoint after_collection after market_analysis
  on failure { compensate build with "./scripts/undo-build.sh" }
}
`;

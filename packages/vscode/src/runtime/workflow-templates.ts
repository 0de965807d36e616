import * as path from 'node:path';
import { createFlowServicesWithBuiltins } from '@flow/language';
import type { Json, ParamType } from '@flow/model';
import { CliError } from '@flow/cli/src/cli-error.js';
import type { CliDiagnostic } from '@flow/cli/src/diagnostics.js';
import { makeWorkflowFromTemplate } from '@flow/cli/src/templates/template-apply.js';
import { readTemplateCatalog } from '@flow/cli/src/templates/template-catalog.js';
import { isFlowName } from '@flow/cli/src/templates/template-values.js';
import type { WorkflowProblem } from './compile-workflow.js';

/** A template as the editor offers it: plain data, no AST. */
export interface TemplateChoice {
    name: string;
    /** The workspace file that declares it; absent for a built-in. */
    file?: string;
    description?: string;
    params: TemplateParamChoice[];
}

export interface TemplateParamChoice {
    name: string;
    /** The type as written: `string`, `"basic" | "standard"`. */
    typeText: string;
    type: ParamType;
    /** The default as written (`"AI trends"`, `30m`); absent when a value must be given. */
    defaultText?: string;
    description?: string;
}

/** The templates of `workspaceDir` (its templates/ folder) and the built-ins they do not replace, as `flowctl template list` has them. */
export async function listTemplates(workspaceDir: string): Promise<{ templates: TemplateChoice[]; warnings: string[] }> {
    const catalog = await readTemplateCatalog(await createFlowServicesWithBuiltins(), workspaceDir);
    return {
        templates: catalog.templates.map(template => ({
            name: template.name,
            file: template.file?.file,
            description: template.description,
            params: template.params.map(({ name, typeText, type, defaultText, description }) => ({ name, typeText, type, defaultText, description }))
        })),
        warnings: catalog.warnings
    };
}

export interface TemplateRequest {
    workspaceDir: string;
    template: string;
    /** The absolute `.flow` file to write (the caller writes it). */
    output: string;
    /** @default the file's name, made a valid Flow name */
    workflowName?: string;
    /** Values of the parameters to set; the others keep their defaults. */
    values: Record<string, Json>;
}

export type TemplateOutcome =
    | { kind: 'applied'; workflowName: string; text: string }
    /** The template or the workflow made from it has errors; nothing may be written. */
    | { kind: 'problems'; problems: WorkflowProblem[]; message: string }
    /** Bad values, an unknown template, a name already taken: what to change. */
    | { kind: 'refused'; message: string };

/**
 * The text of a workflow made from a template, by the rules of `flowctl template apply`
 * (packages/cli/src/templates/template-apply.ts): checked in the workspace as the file it will
 * be, formatted, and refused with a reason rather than written with errors.
 */
export async function applyTemplate(request: TemplateRequest): Promise<TemplateOutcome> {
    const workflowName = request.workflowName ?? workflowNameFromFile(request.output);
    if (!isFlowName(workflowName)) {
        return { kind: 'refused', message: `${workflowName} is not a workflow name: use letters, digits and _, not starting with a digit.` };
    }
    try {
        const outcome = await makeWorkflowFromTemplate(await createFlowServicesWithBuiltins(), {
            workspaceDir: request.workspaceDir, template: request.template, workflowName, values: request.values, output: request.output,
            provenance: template => `Made from template ${template.name} (${template.file ? path.relative(request.workspaceDir, template.file.file) : 'built-in'}) ` +
                'by Flow: New Workflow from Template.',
            takenNameAdvice: 'choose another file name, which names the workflow'
        });
        switch (outcome.kind) {
            case 'applied':
                return { kind: 'applied', workflowName, text: outcome.text };
            case 'template-has-errors':
                return {
                    kind: 'problems', problems: problemsOf(outcome.diagnostics, outcome.template.file!.file),
                    message: `template ${outcome.template.name} has errors; fix them first`
                };
            case 'result-has-errors':
                return {
                    kind: 'problems', problems: problemsOf(outcome.diagnostics, request.output),
                    message: `the workflow made from template ${outcome.template.name} would have errors in this workspace`
                };
        }
    } catch (error) {
        if (error instanceof CliError) return { kind: 'refused', message: error.message };
        throw error;
    }
}

/** `research-quantum.flow` gives `research_quantum`, as `flowctl template apply -o` names it. */
export function workflowNameFromFile(file: string): string {
    const name = path.basename(file, '.flow').replace(/\W/g, '_');
    return /^[0-9]/.test(name) ? `_${name}` : name;
}

function problemsOf(diagnostics: readonly CliDiagnostic[], file: string): WorkflowProblem[] {
    return diagnostics.filter(diagnostic => diagnostic.severity === 'error').map(diagnostic => ({
        file, line: diagnostic.range.start.line, column: diagnostic.range.start.column, message: diagnostic.message, code: diagnostic.code
    }));
}

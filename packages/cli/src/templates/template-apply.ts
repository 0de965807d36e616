import * as path from 'node:path';
import { URI } from 'langium';
import { ast, type FlowServiceSet } from '@flow/language';
import type { Json } from '@flow/model';
import { CliError } from '../cli-error.js';
import { countProblems, documentDiagnostics, type CliDiagnostic } from '../diagnostics.js';
import { displayPath } from '../input-files.js';
import { findTemplate, readTemplateCatalog, templateProblems, type Template, type TemplateParam } from './template-catalog.js';
import { expandTemplate } from './template-text.js';
import { parameterLiterals } from './template-values.js';
import { buildWithTexts, formattedText } from './template-workspace.js';

/** What applying a template needs; `flowctl template apply` and the editor's New Workflow from Template both ask this. */
export interface TemplateApplication {
    /** The workspace whose templates/ folder is searched and whose `.flow` files the result is checked with. */
    workspaceDir: string;
    template: string;
    /** The new workflow's name (a valid Flow name: see `isFlowName`). */
    workflowName: string;
    /** Values for the template's parameters, converted to their declared types (see `parameterLiterals`). */
    values: Record<string, Json>;
    /** The absolute `.flow` file the workflow goes to; absent when it is only printed. */
    output?: string;
    /** The first line's comment, saying where the workflow came from. */
    provenance: (template: Template) => string;
    /** What to do when another file already declares a workflow of that name (`give it another name with --name`). */
    takenNameAdvice: string;
}

export type TemplateApplyOutcome =
    /** `text` is formatted and ready to write; `diagnostics` are its warnings, as checked in the workspace. */
    | { kind: 'applied'; template: Template; literals: Map<TemplateParam, string>; text: string; diagnostics: CliDiagnostic[] }
    /** The workspace template's own file has errors concerning it; it cannot be applied until they are fixed. */
    | { kind: 'template-has-errors'; template: Template; diagnostics: CliDiagnostic[] }
    /** The workflow made from it would have errors in this workspace (`diagnostics` are of `output`, or of a stand-in file). */
    | { kind: 'result-has-errors'; template: Template; diagnostics: CliDiagnostic[] };

/**
 * Makes a workflow from a template: the template written out with the values as its
 * parameters' defaults, checked in the workspace as if written to `output`, then formatted.
 * Throws CliError (its message says what to do) for an unknown template, a template made from
 * another, bad values, an output that is the template's own file, and a workflow name another
 * file of the workspace already uses.
 */
export async function makeWorkflowFromTemplate(services: FlowServiceSet, application: TemplateApplication): Promise<TemplateApplyOutcome> {
    const { workspaceDir, output } = application;
    const catalog = await readTemplateCatalog(services, workspaceDir);
    const template = findTemplate(catalog, application.template);
    refuseInstance(template.node, `template ${template.name}`);
    if (output !== undefined && output === template.file?.file) {
        throw new CliError(`${displayPath(output)}: that is the file of template ${template.name}; write the workflow to another file.`);
    }
    const literals = parameterLiterals(template, application.values);
    const text = expandTemplate(template.node, application.workflowName, literals, application.provenance(template));
    // A workflow that is only printed is checked as a file of the workspace that is not on disk.
    const checkedFile = output ?? path.join(workspaceDir, '.flowctl-template-apply.flow');
    const documents = await buildWithTexts(services, workspaceDir, [...(template.file ? [template.file] : []), { file: checkedFile, text }]);

    if (template.file) {
        const problems = templateProblems(template, documentDiagnostics(documents.get(template.file.file)!, template.file.file));
        if (countProblems(problems).errors > 0) return { kind: 'template-has-errors', template, diagnostics: problems };
    }
    const document = documents.get(checkedFile)!;
    const diagnostics = documentDiagnostics(document, checkedFile);
    if (countProblems(diagnostics).errors > 0) return { kind: 'result-has-errors', template, diagnostics };
    refuseTakenName(services, application.workflowName, checkedFile, application.takenNameAdvice);
    return { kind: 'applied', template, literals, text: await formattedText(services, document), diagnostics };
}

/**
 * A workflow made with `from` gets its tasks from another template; writing it out would mean
 * merging the two, which the template commands do not do.
 */
export function refuseInstance(workflow: ast.Workflow, what: string): void {
    if (!workflow.base) return;
    throw new CliError(`${what} is made from template ${workflow.base.$refText} (\`from ${workflow.base.$refText}(...)\`), ` +
        `which flowctl template cannot write out; use template ${workflow.base.$refText} itself, or copy its tasks into ${workflow.name}.`);
}

/**
 * Two workflows of one name in a workspace make `from <name>` and run histories ambiguous, so
 * a new one must not take a name another file uses.
 */
export function refuseTakenName(services: FlowServiceSet, name: string, file: string, advice: string): void {
    const uri = URI.file(file).toString();
    const taken = services.shared.workspace.IndexManager.allElements(ast.Workflow.$type)
        .find(description => description.name === name && description.documentUri.toString() !== uri);
    if (!taken) return;
    const line = (taken.nameSegment?.range.start.line ?? 0) + 1;
    throw new CliError(`${displayPath(taken.documentUri.fsPath)}:${line} already declares a workflow named ${name}, ` +
        `and two of one name would make \`from ${name}\` ambiguous: ${advice}. Nothing was written.`);
}

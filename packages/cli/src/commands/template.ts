import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { URI, type LangiumDocument } from 'langium';
import { ast, createFlowServicesWithBuiltins } from '@flow/language';
import { CliError, ExitCode } from '../cli-error.js';
import { countProblems, documentDiagnostics, formatDiagnostic, type CliDiagnostic } from '../diagnostics.js';
import { displayPath, readTextFile } from '../input-files.js';
import { writeOutputFile } from '../output-file.js';
import { collect, parseRunParams } from '../run-params.js';
import { resolveWorkspaceDir } from '../workspace-loader.js';
import { BUILTIN_TEMPLATE_FILES } from '../templates/builtin-templates.js';
import { paramType, readTemplateCatalog, templateProblems } from '../templates/template-catalog.js';
import { makeWorkflowFromTemplate, refuseInstance, refuseTakenName } from '../templates/template-apply.js';
import { workflowAsTemplate } from '../templates/template-text.js';
import { exampleValue, isFlowName } from '../templates/template-values.js';
import { buildWithTexts, formattedText, parseFlowText, templatesFolder } from '../templates/template-workspace.js';

interface WorkspaceOption {
    /** The folder whose templates/ folder holds the workspace templates. */
    workspace?: string;
}

interface ListOptions extends WorkspaceOption {
    json?: boolean;
}

interface ApplyOptions extends WorkspaceOption {
    parameters?: string;
    param: string[];
    output?: string;
    name?: string;
    force?: boolean;
}

interface CreateOptions extends WorkspaceOption {
    from: string;
    parameters?: string;
    workflow?: string;
    force?: boolean;
}

const WORKSPACE_HELP = 'the folder whose templates/ folder holds the workspace templates and whose .flow files the result is checked with ' +
    '(default: the current directory)';

export function registerTemplate(program: Command): void {
    const template = program
        .command('template')
        .description('List, apply and create workflow templates (built-in, and the workspace\'s templates/ folder).')
        .addHelpText('after', `
A template is a \`template workflow Name { param ... }\` in a .flow file. flowctl ships four
(content_pipeline, data_pipeline, product_launch, research_analysis); a workspace adds its own
as .flow files under templates/, and one there replaces a built-in of the same name.
See docs/templates.md.

Examples:
  flowctl template list
  flowctl template apply research_analysis --parameters '{"topic":"quantum computing"}' -o quantum.flow
  flowctl template create nightly_report --from report.flow --parameters day,recipients`);

    template
        .command('list')
        .description('List the templates with their parameters (type, default, description).')
        .option('--json', 'print one JSON document instead of text')
        .option('--workspace <dir>', WORKSPACE_HELP)
        .addHelpText('after', `
Each template is listed once: a workspace template (templates/*.flow) replaces a built-in of the
same name. A parameter without a default must be given to \`flowctl template apply\`. Problems in
the templates folder's files are reported on standard error.

Examples:
  flowctl template list
  flowctl template list --json | jq '.templates[].name'`)
        .action(async (options: ListOptions) => {
            process.exitCode = await listTemplates(options);
        });

    template
        .command('apply')
        .description('Write a workflow made from a template, with the given parameter values.')
        .argument('<name>', 'the template (flowctl template list shows them)')
        .option('--parameters <json>', 'parameter values as a JSON object, such as \'{"topic":"quantum computing"}\'')
        .option('--param <name=value>', 'set one parameter (converted to its declared type); repeat for several; wins over --parameters', collect, [])
        .option('-o, --output <file.flow>', 'write the workflow to this file (default: standard output)')
        .option('--name <workflow>', 'the workflow\'s name (default: from the output file\'s name, else my_<template>)')
        .option('-f, --force', 'replace the output file if it exists')
        .option('--workspace <dir>', WORKSPACE_HELP)
        .addHelpText('after', `
The output is the template written out as a workflow of its own: \`template workflow T\`
becomes \`workflow <name>\`, and each value given becomes its parameter's default, so
\`flowctl run --param\` can still change it. It needs nothing else to run: edit it freely.
The result is checked as flowctl validate would check it in the workspace before anything is
written; an existing file is never replaced without --force.

Exit status: 0 written, 1 the template or the result has errors, 2 bad arguments or input.

Examples:
  flowctl template apply research_analysis --parameters '{"topic":"quantum computing","timeline":"2 weeks"}' -o quantum.flow
  flowctl template apply data_pipeline --param data_source=sales.csv --param output_format=tsv -o sales.flow
  flowctl template apply product_launch --parameters '{"launch_date":"2025-06-01T09:00:00Z"}' --name Launch > launch.flow`)
        .action(async (name: string, options: ApplyOptions) => {
            process.exitCode = await applyTemplate(name, options);
        });

    template
        .command('create')
        .description('Make a workspace template (templates/<name>.flow) from a workflow.')
        .argument('<name>', 'the new template\'s name')
        .requiredOption('--from <file.flow>', 'the .flow file with the workflow')
        .option('--parameters <a,b,...>', 'the workflow\'s parameters that users of the template set (each must be a `param` of the workflow; default: all of them)')
        .option('--workflow <name>', 'which workflow, when the file declares several')
        .option('-f, --force', 'replace templates/<name>.flow if it exists')
        .option('--workspace <dir>', 'the folder whose templates/ folder gets the template ' +
            '(default: the current directory if the file is inside it, else the file\'s folder)')
        .addHelpText('after', `
The template is the workflow as written (comments included) declared as \`template workflow
<name>\`; its parameters keep their types and defaults. Parameters that --parameters leaves out
stay in the template with their defaults, since its tasks read them; flowctl says which. The
template is checked in the workspace before it is written, and an existing one is never
replaced without --force. A template named like a built-in replaces the built-in.

Exit status: 0 written, 1 the workflow or the template has errors, 2 bad arguments or input.

Examples:
  flowctl template create data_pipeline --from pipeline.flow --parameters data_source,output_format
  flowctl template create weekly --from reports.flow --workflow WeeklyReport
  flowctl template create research_analysis --from my-research.flow --force   replace the built-in`)
        .action(async (name: string, options: CreateOptions) => {
            process.exitCode = await createTemplate(name, options);
        });
}

// ---------------------------------------------------------------------------------------------
// list

/** One template in `flowctl template list --json`. */
export interface ListedTemplate {
    name: string;
    source: 'built-in' | 'workspace';
    /** For a workspace template: its file, relative to the current directory, and line. */
    file?: string;
    line?: number;
    /** A workspace template that replaces the built-in of its name. */
    replacesBuiltin?: boolean;
    description?: string;
    parameters: Array<{ name: string; type: string; default?: string; required: boolean; description?: string }>;
    /** Errors in the template's file: apply refuses it until they are fixed. */
    errors: number;
}

async function listTemplates(options: ListOptions): Promise<number> {
    const workspaceDir = await resolveWorkspaceDir(options.workspace, []);
    const services = await createFlowServicesWithBuiltins();
    const catalog = await readTemplateCatalog(services, workspaceDir);
    const documents = await buildWithTexts(services, workspaceDir, catalog.files);
    const problems = catalog.files.flatMap(file => documentDiagnostics(documents.get(file.file)!, file.file))
        .filter(diagnostic => diagnostic.severity === 'error');

    const listed: ListedTemplate[] = catalog.templates.map(template => ({
        name: template.name,
        source: template.file ? 'workspace' : 'built-in',
        ...(template.file ? { file: displayPath(template.file.file), line: template.line } : {}),
        ...(template.replacesBuiltin ? { replacesBuiltin: true } : {}),
        ...(template.description !== undefined ? { description: template.description } : {}),
        parameters: template.params.map(param => ({
            name: param.name,
            type: param.typeText,
            ...(param.defaultText !== undefined ? { default: param.defaultText } : {}),
            required: param.defaultText === undefined,
            ...(param.description !== undefined ? { description: param.description } : {})
        })),
        errors: template.file ? templateProblems(template, problems.filter(problem => problem.file === displayPath(template.file!.file))).length : 0
    }));

    for (const warning of catalog.warnings) process.stderr.write(`flowctl: warning: ${warning}\n`);
    for (const problem of problems) process.stderr.write(formatDiagnostic(problem) + '\n');
    if (options.json) {
        process.stdout.write(JSON.stringify({ templatesFolder: displayPath(templatesFolder(workspaceDir)), templates: listed }, null, 2) + '\n');
        return ExitCode.Ok;
    }
    process.stdout.write(listing(listed));
    if (catalog.files.length === 0) {
        process.stdout.write(`\nNo workspace templates: a workspace keeps its own as .flow files in ${displayPath(templatesFolder(workspaceDir))}/ ` +
            '(flowctl template create makes one from a workflow).\n');
    }
    return ExitCode.Ok;
}

function listing(templates: ListedTemplate[]): string {
    const lines: string[] = [];
    for (const template of templates) {
        if (lines.length > 0) lines.push('');
        const source = template.source === 'built-in' ? 'built-in'
            : `${template.file}:${template.line}${template.replacesBuiltin ? ', replaces the built-in' : ''}`;
        lines.push(`${template.name}  (${source})${template.errors > 0 ? `  ${template.errors} error${template.errors === 1 ? '' : 's'}, see above` : ''}`);
        if (template.description) lines.push(`  ${firstSentence(template.description)}`);
        const nameWidth = Math.max(0, ...template.parameters.map(param => param.name.length));
        const typeTexts = template.parameters.map(param => param.default !== undefined ? `${param.type} = ${param.default}` : `${param.type}, required`);
        const typeWidth = Math.max(0, ...typeTexts.map(text => text.length));
        template.parameters.forEach((param, index) => {
            const description = param.description ? `  ${firstSentence(param.description)}` : '';
            lines.push(`  ${param.name.padEnd(nameWidth)}  ${typeTexts[index].padEnd(description ? typeWidth : 0)}${description}`.trimEnd());
        });
    }
    return lines.join('\n') + '\n';
}

/** The first sentence of a doc comment, on one line. */
function firstSentence(text: string): string {
    const oneLine = text.split(/\n\s*\n/)[0].replace(/\s+/g, ' ').trim();
    const end = oneLine.search(/[.!?](\s|$)/);
    return end < 0 ? oneLine : oneLine.slice(0, end + 1);
}

// ---------------------------------------------------------------------------------------------
// apply

async function applyTemplate(name: string, options: ApplyOptions): Promise<number> {
    const output = options.output === undefined || options.output === '-' ? undefined : path.resolve(options.output);
    if (output !== undefined && !output.endsWith('.flow')) {
        throw new CliError(`-o ${options.output}: apply writes a .flow workflow; give a file name ending in .flow ` +
            '(flowctl compile turns it into the JSON model).');
    }
    if (output !== undefined && !options.force && await exists(output)) {
        throw new CliError(`${displayPath(output)}: the file already exists; pass --force to replace it, or choose another file with -o.`);
    }
    const workflowName = options.name ?? (output ? nameFromFile(output) : `my_${name}`);
    if (!isFlowName(workflowName)) {
        throw new CliError(`--name ${workflowName}: not a workflow name; use letters, digits and _, not starting with a digit ` +
            '(and not one of and, or, not, true, false, null, param, item).');
    }

    // The templates are the current workspace's, wherever the output goes; it is checked there.
    const workspaceDir = await resolveWorkspaceDir(options.workspace, []);
    const services = await createFlowServicesWithBuiltins();
    const shown = output ? displayPath(output) : '(standard output)';
    const outcome = await makeWorkflowFromTemplate(services, {
        workspaceDir, template: name, workflowName, values: parseRunParams(options.parameters, options.param), output,
        provenance: template => `Made from template ${template.name} (${template.file ? displayPath(template.file.file) : 'built-in'}) by flowctl template apply.`,
        takenNameAdvice: 'give the new workflow another name with --name'
    });
    const { template } = outcome;
    if (outcome.kind === 'template-has-errors') {
        printDiagnostics(outcome.diagnostics);
        process.stderr.write(`${displayPath(template.file!.file)}: template ${template.name} has errors; fix them first. Nothing was written.\n`);
        return ExitCode.Problems;
    }
    printDiagnostics(outcome.diagnostics.map(problem => ({ ...problem, file: shown })));
    if (outcome.kind === 'result-has-errors') {
        process.stderr.write(`${shown}: the workflow made from template ${template.name} would have errors here (see above); nothing was written.\n`);
        return ExitCode.Problems;
    }
    const { literals, text: formatted } = outcome;
    if (output === undefined) {
        process.stdout.write(formatted);
        return ExitCode.Ok;
    }
    await writeOutputFile(output, formatted, options.force === true);
    const given = [...literals].map(([param, literal]) => `${param.name} = ${literal}`).join(', ');
    process.stderr.write(`Wrote ${shown} (workflow ${workflowName} from template ${template.name}${given ? `, with ${given}` : ''}).\n` +
        `Run it with: flowctl run ${shown}\n`);
    return ExitCode.Ok;
}

/** A workflow name from a file name: `research-quantum.flow` gives `research_quantum`. */
function nameFromFile(file: string): string {
    const name = path.basename(file, '.flow').replace(/\W/g, '_');
    return /^[0-9]/.test(name) ? `_${name}` : name;
}

// ---------------------------------------------------------------------------------------------
// create

async function createTemplate(name: string, options: CreateOptions): Promise<number> {
    if (!isFlowName(name)) {
        throw new CliError(`${name}: not a template name; use letters, digits and _, not starting with a digit ` +
            '(and not one of and, or, not, true, false, null, param, item).');
    }
    const sourceFile = path.resolve(options.from);
    if (!sourceFile.endsWith('.flow')) {
        throw new CliError(`--from ${options.from}: give the .flow file with the workflow` +
            (sourceFile.endsWith('.json') ? ' (flowctl convert turns a seed .json workflow into one).' : '.'));
    }
    const workspaceDir = await resolveWorkspaceDir(options.workspace, [sourceFile]);
    const target = path.join(templatesFolder(workspaceDir), `${name}.flow`);
    if (!options.force && await exists(target)) {
        throw new CliError(`${displayPath(target)}: a template file of that name already exists; pass --force to replace it, or choose another name.`);
    }

    if (sourceFile === target) {
        throw new CliError(`--from ${options.from}: that is the file the template would be written to; choose another name.`);
    }
    const services = await createFlowServicesWithBuiltins();
    const sourceText = await readTextFile(sourceFile);
    const workflow = chooseWorkflow(parseFlowText(services, sourceText, URI.file(sourceFile)), sourceFile, options.workflow);
    refuseInstance(workflow, `workflow ${workflow.name}`);
    const params = workflow.members.filter(ast.isParam);
    const listed = options.parameters === undefined ? params.map(param => param.name) : splitNames(options.parameters);
    const unknown = listed.filter(listedName => !params.some(param => param.name === listedName));
    if (unknown.length > 0) {
        throw new CliError(`--parameters: workflow ${workflow.name} has no parameter ${unknown.join(', ')} ` +
            `(${params.length > 0 ? `its parameters are ${params.map(param => param.name).join(', ')}` : 'it declares none'}). ` +
            `A template's parameters are the workflow's own: declare ${unknown.length === 1 ? 'it' : 'each'} in the workflow first, ` +
            `e.g. \`param ${unknown[0]}: string = "..."\`, use it as {{param.${unknown[0]}}} where its value goes, and run create again.`);
    }

    const relativeSource = path.relative(workspaceDir, sourceFile);
    const inside = !relativeSource.startsWith('..') && !path.isAbsolute(relativeSource);
    const text = workflowAsTemplate(workflow, name, `Made from workflow ${workflow.name} of ${relativeSource.split(path.sep).join('/')} by flowctl template create.`);
    // The source is checked too when it is part of the workspace, so that its own errors are
    // reported where they are; one outside it is not loaded, as the template will not see it.
    const documents = await buildWithTexts(services, workspaceDir, [...(inside ? [{ file: sourceFile, text: sourceText }] : []), { file: target, text }]);
    if (inside) {
        const problems = documentDiagnostics(documents.get(sourceFile)!, sourceFile);
        if (countProblems(problems).errors > 0) {
            printDiagnostics(problems);
            process.stderr.write(`${displayPath(sourceFile)}: workflow ${workflow.name} has errors; fix them first. Nothing was written.\n`);
            return ExitCode.Problems;
        }
    }
    const document = documents.get(target)!;
    const problems = documentDiagnostics(document, target);
    printDiagnostics(problems);
    if (countProblems(problems).errors > 0) {
        process.stderr.write(`${displayPath(target)}: the template would have errors in ${displayPath(workspaceDir)} (see above); nothing was written.\n`);
        return ExitCode.Problems;
    }
    refuseTakenName(services, name, target, 'choose another name for the template');

    const formatted = await formattedText(services, document);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await writeOutputFile(target, formatted, options.force === true);

    for (const param of params.filter(candidate => !listed.includes(candidate.name))) {
        process.stderr.write(`flowctl: note: parameter ${param.name} is not in --parameters; it stays a parameter of the template ` +
            (param.default ? `with its default ${param.default.$cstNode?.text}, since the tasks read it.\n` : 'without a default, so every apply must give it.\n'));
    }
    const builtin = BUILTIN_TEMPLATE_FILES.some(file => file.name === name);
    // The example gives what users are meant to set, and what they must.
    const exampleParams = params.filter(param => listed.includes(param.name) || !param.default);
    const example = exampleParams.length > 0
        ? ` --parameters '${JSON.stringify(Object.fromEntries(exampleParams.map(param => [param.name, exampleValue(paramType(param))])))}'` : '';
    process.stderr.write(`Wrote ${displayPath(target)} (template ${name}${listed.length > 0 ? ` with parameters ${listed.join(', ')}` : ''}` +
        `${builtin ? '; it replaces the built-in template of that name' : ''}).\n` +
        `Apply it with: flowctl template apply ${name}${example} -o ${name}.flow\n`);
    return ExitCode.Ok;
}

function chooseWorkflow(document: LangiumDocument, file: string, name: string | undefined): ast.Workflow {
    const workflows = (document.parseResult.value as ast.FlowFile).elements.filter(ast.isWorkflow);
    const names = workflows.map(workflow => workflow.name).join(', ');
    if (name !== undefined) {
        const named = workflows.find(workflow => workflow.name === name);
        if (named) return named;
        throw new CliError(`${displayPath(file)}: --workflow ${name}: ` +
            (workflows.length > 0 ? `no workflow of that name here; the file declares ${names}.` : 'the file declares no workflow.'));
    }
    if (workflows.length === 1) return workflows[0];
    throw new CliError(workflows.length === 0
        ? `${displayPath(file)}: the file declares no workflow to make a template from.`
        : `${displayPath(file)}: the file declares ${workflows.length} workflows (${names}); choose one with --workflow <name>.`);
}

function splitNames(list: string): string[] {
    return [...new Set(list.split(',').map(part => part.trim()).filter(part => part.length > 0))];
}

// ---------------------------------------------------------------------------------------------
// shared

function printDiagnostics(diagnostics: readonly CliDiagnostic[]): void {
    for (const diagnostic of diagnostics) process.stderr.write(formatDiagnostic(diagnostic) + '\n');
}

async function exists(file: string): Promise<boolean> {
    return (await fs.stat(file).catch(() => undefined)) !== undefined;
}

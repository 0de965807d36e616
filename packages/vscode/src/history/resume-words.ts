/**
 * What the plan preview of Resume from Checkpoint says: the `flowctl resume --plan` table as a
 * dialog's message and detail. No `vscode` import: words, tested on their own.
 */
import type { Json } from '@flow/model';
import { preview } from './run-words.js';

export interface PlanLine {
    task: string;
    keep: boolean;
    /** `describeResumeReason` of the engine: the words flowctl prints. */
    why: string;
}

export interface ResumePlanWords {
    message: string;
    detail: string;
}

/**
 * `Resume Report from checkpoint 3 · after publish?` with, below, the parameters that change
 * and one line per task: `✓ keep  fetch — unchanged: keeps its result`, `↻ run   summarize — changed parameter region`.
 */
export function resumePlanWords(workflow: string, checkpoint: string, lines: readonly PlanLine[],
    changes: ReadonlyArray<{ name: string; from: Json | undefined; to: Json }>): ResumePlanWords {
    const kept = lines.filter(line => line.keep).length;
    const rerun = lines.length - kept;
    const summary = `${kept === 1 ? '1 task keeps its result' : `${kept} tasks keep their results`}, ${rerun === 1 ? '1 runs' : `${rerun} run`} again.`;
    const parameters = changes.length === 0
        ? ['Parameters: as the run had them.']
        : ['Parameters changed:', ...changes.map(change => `  ${change.name}: ${change.from === undefined ? '(unset)' : preview(change.from, 40)} → ${preview(change.to, 40)}`)];
    const plan = lines.map(line => `${line.keep ? '✓ keep' : '↻ run '}  ${line.task} — ${line.why}`);
    return {
        message: `Resume ${workflow} from checkpoint ${checkpoint}? ${summary}`,
        detail: [...parameters, '', ...plan].join('\n')
    };
}

/** The parameters whose values differ between the run and the resume, by name. */
export function changedParameters(before: Record<string, Json>, after: Record<string, Json>): Array<{ name: string; from: Json | undefined; to: Json }> {
    return Object.keys(after).filter(name => JSON.stringify(before[name]) !== JSON.stringify(after[name]))
        .map(name => ({ name, from: before[name], to: after[name] }));
}

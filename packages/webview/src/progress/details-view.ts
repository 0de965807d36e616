/**
 * The side pane for the selected task: what it is, how it went (status, attempts, agent,
 * duration, result, error), its attempts' logs, and for a task that has not started, why it
 * waits and what its score is made of.
 */
import type { ScoreExplanation } from '@flow/engine/src/score.js';
import type { TaskLog, WaitingExplanation } from '../../../vscode/src/shared/messages.js';
import { clear, codicon, h, present } from '../shared/dom.js';
import { formatDuration, formatScore } from './format.js';
import { STATUS_LOOK } from './graph-view.js';
import type { GraphTask } from './graph.js';
import { isWaiting, type TaskView } from './run-state.js';

export interface DetailsActions {
    requestLog(task: string, attempt: number, item?: number): void;
    requestScore(task: string): void;
    reveal(task: string): void;
    close(): void;
}

/** Which attempt's log the pane shows. */
export interface LogChoice {
    attempt: number;
    item?: number;
}

export class DetailsView {
    readonly element = h('aside', { class: 'details', attrs: { 'aria-label': 'Task details' } });
    private task?: GraphTask;
    private waiting?: WaitingExplanation;
    private log?: { choice: LogChoice; log: TaskLog };
    private choice?: LogChoice;

    constructor(private readonly actions: DetailsActions) {
        this.element.hidden = true;
    }

    get shownTask(): string | undefined {
        return this.task?.id;
    }

    show(task: GraphTask | undefined, view: TaskView | undefined, live: boolean): void {
        if (task?.id !== this.task?.id) {
            this.waiting = undefined;
            this.log = undefined;
            this.choice = undefined;
        }
        this.task = task;
        this.element.hidden = task === undefined;
        if (!task || !view) return;
        // The latest attempt that has a log, or the running one: what a person looks for first.
        if (!this.choice) {
            const last = view.ended.at(-1);
            if (view.status === 'running' && view.batch === undefined) this.choice = { attempt: Math.max(1, view.attempts) };
            else if (last) this.choice = { attempt: last.attempt, item: last.item };
            if (this.choice) this.actions.requestLog(task.id, this.choice.attempt, this.choice.item);
        }
        this.render(task, view, live);
    }

    setWaiting(explanation: WaitingExplanation, view: TaskView | undefined, live: boolean): void {
        if (explanation.task !== this.task?.id) return;
        this.waiting = explanation;
        if (this.task && view) this.render(this.task, view, live);
    }

    setLog(task: string, choice: LogChoice, log: TaskLog, view: TaskView | undefined, live: boolean): void {
        if (task !== this.task?.id || choice.attempt !== this.choice?.attempt || choice.item !== this.choice?.item) return;
        this.log = { choice, log };
        if (this.task && view) this.render(this.task, view, live);
    }

    private render(task: GraphTask, view: TaskView, live: boolean): void {
        clear(this.element);
        const look = STATUS_LOOK[view.status];
        const close = h('button', { class: 'icon-button', attrs: { title: 'Close the details', 'aria-label': 'Close the details' } }, codicon('close'));
        close.addEventListener('click', () => this.actions.close());
        const reveal = h('button', { class: 'link-button', attrs: { title: 'Open the task\'s declaration' } }, codicon('go-to-file'), ' Go to source');
        reveal.addEventListener('click', () => this.actions.reveal(task.id));
        this.element.append(...present(
            h('div', { class: 'details-title' },
                h('span', { class: `status-chip status-${view.status}` }, codicon(look.icon), ` ${look.label}`),
                h('h2', { text: task.id }),
                close),
            task.description ? h('p', { class: 'description', text: task.description }) : undefined,
            h('div', { class: 'details-actions' }, task.source ? reveal : undefined),
            facts(task, view)));
        if (view.resultPreview !== undefined) this.element.append(section('Result', h('pre', { class: 'result', text: view.resultPreview })));
        if (view.error) this.element.append(section('Error', h('p', { class: 'error-text', text: `${view.error.kind}: ${view.error.message}` })));
        if (isWaiting(view.status)) this.element.append(this.waitingSection(task, live));
        this.element.append(this.logSection(task, view, live));
    }

    private waitingSection(task: GraphTask, live: boolean): HTMLElement {
        const refresh = h('button', { class: 'link-button', attrs: { title: 'Ask again with the run as it is now' } }, codicon('refresh'), ' Refresh');
        refresh.addEventListener('click', () => this.actions.requestScore(task.id));
        const body = h('div', { class: 'waiting' });
        const waiting = this.waiting;
        if (!live) {
            body.append(h('p', { class: 'muted', text: 'This run is no longer followed, so its queue cannot be asked.' }));
        } else if (!waiting) {
            body.append(h('p', { class: 'muted', text: 'Asking the run…' }));
        } else {
            if (waiting.waitingFor.length > 0) body.append(h('ul', { class: 'waiting-for' }, ...waiting.waitingFor.map(reason => h('li', { text: reason }))));
            if (waiting.score) body.append(scoreTable(waiting.score));
            body.append(h('p', { class: 'muted basis', text: waiting.basis }));
        }
        return section('Why is this waiting?', body, live ? refresh : undefined);
    }

    private logSection(task: GraphTask, view: TaskView, live: boolean): HTMLElement {
        const choices: { choice: LogChoice; label: string }[] = view.ended.map(record => ({
            choice: { attempt: record.attempt, item: record.item },
            label: `${record.item === undefined ? '' : `item ${record.item + 1}, `}attempt ${record.attempt}${record.ok ? '' : ' (failed)'}`
        }));
        if (view.status === 'running' && view.batch === undefined && !choices.some(entry => entry.choice.attempt === view.attempts)) {
            choices.push({ choice: { attempt: Math.max(1, view.attempts) }, label: `attempt ${Math.max(1, view.attempts)} (running)` });
        }
        const body = h('div', { class: 'log' });
        if (choices.length === 0) {
            body.append(h('p', { class: 'muted', text: view.status === 'completed' && (view.fromCache || view.reusedFrom)
                ? 'Its result was reused, so no attempt ran and there is no log.' : 'No attempt has run yet.' }));
            return section('Log', body);
        }
        if (choices.length > 1) {
            const picker = h('select', { attrs: { 'aria-label': 'Attempt' } }, ...choices.map((entry, index) =>
                h('option', { attrs: { value: String(index) }, text: entry.label })));
            const current = choices.findIndex(entry => entry.choice.attempt === this.choice?.attempt && entry.choice.item === this.choice?.item);
            picker.value = String(Math.max(0, current));
            picker.addEventListener('change', () => {
                this.choice = choices[Number(picker.value)].choice;
                this.log = undefined;
                this.actions.requestLog(task.id, this.choice.attempt, this.choice.item);
                this.render(task, view, live);
            });
            body.append(picker);
        } else {
            body.append(h('p', { class: 'muted', text: choices[0].label }));
        }
        const log = this.log;
        if (!log) body.append(h('p', { class: 'muted', text: 'Reading the log…' }));
        else {
            if (log.log.file) body.append(h('p', { class: 'muted log-file', text: log.log.file }));
            if (log.log.truncated) body.append(h('p', { class: 'muted', text: 'Only the end of the file is shown.' }));
            if (log.log.text !== undefined) body.append(h('pre', { class: 'log-text', text: log.log.text }));
            if (log.log.problem) body.append(h('p', { class: 'muted', text: log.log.problem }));
        }
        const reload = h('button', { class: 'link-button', attrs: { title: 'Read the log file again' } }, codicon('refresh'), ' Reload');
        reload.addEventListener('click', () => {
            if (this.choice) this.actions.requestLog(task.id, this.choice.attempt, this.choice.item);
        });
        return section('Log', body, reload);
    }
}

function facts(task: GraphTask, view: TaskView): HTMLElement {
    const rows: [string, string | undefined][] = [
        ['Type', `${task.kind === 'batch' ? 'batch of ' : ''}${task.type}`],
        ['Priority', task.priority],
        ['Pool', task.pool],
        ['Attempts', view.attempts > 0 ? String(view.attempts) : undefined],
        ['Agent', view.agent],
        ['Runner', view.runner ? `${view.runner}${view.demo ? ' (demo built-in: no real work)' : ''}` : undefined],
        ['Duration', view.durationMs !== undefined ? formatDuration(view.durationMs) : undefined],
        ['Items', view.batch ? `${view.batch.done} of ${view.batch.total} done, ${view.batch.failed} failed` : undefined],
        ['Cache', view.fromCache ? 'result from the cache' : undefined],
        ['Reused', view.reusedFrom ? `result kept from run ${view.reusedFrom}` : undefined],
        ['Retry', view.retry ? `attempt ${view.retry.nextAttempt} after ${formatDuration(view.retry.delayMs)}` : undefined],
        ['Reason', view.reason],
        ['Depends on', task.dependencies.length > 0 ? task.dependencies.join(', ') : undefined]
    ];
    return h('dl', { class: 'facts' }, ...rows.filter(([, value]) => value !== undefined).flatMap(([name, value]) => [h('dt', { text: name }), h('dd', { text: value })]));
}

function scoreTable(score: ScoreExplanation): HTMLElement {
    const row = (name: string, raw: string, weight: string, points: string, detail: string): HTMLElement[] => [
        h('tr', { class: 'factor' }, h('td', { text: name }), h('td', { class: 'num', text: raw }), h('td', { class: 'num', text: weight }), h('td', { class: 'num', text: points })),
        h('tr', { class: 'factor-detail' }, h('td', { class: 'muted', attrs: { colspan: '4' }, text: detail }))
    ];
    const factors = (['deadline', 'value', 'resources', 'dependents'] as const).flatMap(name => {
        const factor = score.factors[name];
        return row(name, formatScore(factor.raw), `${formatScore(factor.weight)} ${factor.curve}`, `+${formatScore(score.parts[name])}`, factor.detail);
    });
    return h('table', { class: 'score' },
        h('thead', {}, h('tr', {}, ...['factor', 'raw', 'weight, curve', 'points'].map(text => h('th', { text })))),
        h('tbody', {},
            ...row(`level ${score.level}`, '', '', formatScore(score.parts.level), 'the priority level\'s weight, which the factors add to'),
            ...factors,
            ...row('aging', `${score.aging.intervals}×`, `×${formatScore(score.aging.factor)}`, `+${formatScore(score.parts.aging)}`,
                `waited ${formatDuration(score.aging.waitedMs)} in the queue; each interval waited multiplies the score`)),
        h('tfoot', {}, h('tr', {}, h('td', { text: 'score' }), h('td'), h('td'), h('td', { class: 'num', text: formatScore(score.score) }))));
}

function section(title: string, body: HTMLElement, action?: HTMLElement): HTMLElement {
    return h('section', { class: 'details-section' }, h('div', { class: 'section-title' }, h('h3', { text: title }), action), body);
}

/**
 * The panel's header: the workflow, how the run stands, and the engine's own progress figures
 * (percentage, phase, done/total) with the tasks running now. When the panel was restored after
 * a window reload and the run is no longer followed, it says so instead of looking live.
 */
import type { ProgressRunInfo } from '../../../vscode/src/shared/messages.js';
import { clear, codicon, h, present } from '../shared/dom.js';
import { formatDuration, formatPercent } from './format.js';
import { runningTasks, type RunView } from './run-state.js';

const RUN_LOOK = {
    running: { icon: 'sync', spin: true, label: 'running' },
    completed: { icon: 'pass-filled', spin: false, label: 'completed' },
    failed: { icon: 'error', spin: false, label: 'failed' },
    cancelled: { icon: 'circle-slash', spin: false, label: 'cancelled' }
} as const;

export class HeaderView {
    readonly element = h('header', { class: 'header' });

    render(run: ProgressRunInfo, title: string | undefined, view: RunView, detached: string | undefined): void {
        clear(this.element);
        const look = RUN_LOOK[view.status];
        // A run that was running when the window closed is not known to be running now.
        const shownStatus = detached && view.status === 'running' ? 'last seen running' : look.label;
        const percent = view.percent;
        const bar = h('div', { class: 'bar', attrs: { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-label': 'Tasks finished' } },
            h('div', { class: `bar-fill run-${view.status}` }));
        if (percent !== undefined) {
            bar.setAttribute('aria-valuenow', String(percent));
            // CSSOM, which the content security policy allows (an inline style attribute it would not).
            (bar.firstElementChild as HTMLElement).style.width = `${percent}%`;
        }
        const running = runningTasks(view);
        this.element.append(...present(
            h('div', { class: 'title-row' },
                h('span', { class: `run-status run-${view.status}` }, codicon(look.icon, look.spin && !detached ? 'codicon-modifier-spin' : ''), ` ${shownStatus}`),
                h('h1', { text: title ?? run.workflow }),
                h('span', { class: 'muted file', text: run.file })),
            h('div', { class: 'figures' },
                bar,
                h('span', { class: 'percent', attrs: { 'data-percent': percent === undefined ? '' : String(percent) }, text: percent === undefined ? '–' : formatPercent(percent) }),
                figure('Phase', view.phase ?? (view.status === 'running' ? '–' : 'all finished')),
                figure('Done', `${view.done}/${view.total}`),
                figure('Running', running.length === 0 ? 'none' : running.join(', ')),
                view.durationMs !== undefined ? figure('Took', formatDuration(view.durationMs)) : undefined),
            view.reason ? h('p', { class: 'reason', text: `${look.label === 'failed' ? 'Failed' : 'Cancelled'}: ${view.reason}` }) : undefined,
            detached ? h('p', { class: 'detached', attrs: { role: 'status' } }, codicon('debug-disconnect'), ` ${detached}`) : undefined));
    }
}

function figure(name: string, value: string): HTMLElement {
    return h('span', { class: 'figure' }, h('span', { class: 'muted', text: `${name} ` }), h('span', { class: 'figure-value', attrs: { 'data-figure': name.toLowerCase() }, text: value }));
}

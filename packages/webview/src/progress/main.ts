/**
 * The progress panel's script. It draws what the extension sends (the run's model and events)
 * and saves what it shows with `setState`, so that after a window reload the serializer can
 * bring the panel back with the run's last known state, honestly marked as no longer live.
 */
import '@vscode/codicons/dist/codicon.css';
import './progress.css';
import type { ProgressHostMessage, ProgressRunInfo, ProgressSavedState, ProgressViewMessage } from '../../../vscode/src/shared/messages.js';
import { codicon, h } from '../shared/dom.js';
import { vscodeApi } from '../shared/vscode-api.js';
import { DetailsView } from './details-view.js';
import { GraphView } from './graph-view.js';
import { toProgressGraph, type ProgressGraph } from './graph.js';
import { HeaderView } from './header-view.js';
import { layoutGraph } from './layout.js';
import { applyEvents, initialRunView, type RunView } from './run-state.js';

interface SavedState extends ProgressSavedState {
    run: ProgressRunInfo;
    graph: ProgressGraph;
    view: RunView;
    selected?: string;
}

const api = vscodeApi<SavedState, ProgressViewMessage>();
const post = (message: ProgressViewMessage): void => api.postMessage(message);

const header = new HeaderView();
const graphHost = h('div', { class: 'graph-host fit' });
const details = new DetailsView({
    requestLog: (task, attempt, item) => post({ type: 'requestLog', task, attempt, ...(item === undefined ? {} : { item }) }),
    requestScore: task => post({ type: 'requestScore', task }),
    reveal: task => post({ type: 'revealTask', task }),
    close: () => select(undefined)
});
const body = h('main', { class: 'body' }, graphHost, details.element);
const legend = h('footer', { class: 'legend muted' },
    ...(['pending', 'ready', 'running', 'completed', 'failed', 'skipped'] as const).map(status =>
        h('span', { class: `legend-item status-${status}` }, h('span', { class: 'swatch' }), status === 'ready' ? 'queued' : status)),
    h('span', { class: 'legend-item' }, h('span', { class: 'edge-sample' }), 'after'),
    h('span', { class: 'legend-item' }, h('span', { class: 'edge-sample derived' }), 'phase/stream order'),
    zoomButton());
document.body.append(header.element, body, legend);

let state: SavedState | undefined = api.getState();
let graphView: GraphView | undefined;
/** Set when the run is not followed live: what the header says instead. */
let detached: string | undefined;

if (state) {
    // Restored after a reload: show what was saved at once; the extension says whether it still follows the run.
    detached = 'Reconnecting to the run…';
    build();
} else {
    graphHost.append(h('p', { class: 'muted placeholder', text: 'Waiting for the run…' }));
}

window.addEventListener('message', (event: MessageEvent<ProgressHostMessage>) => receive(event.data));
post({ type: 'ready', runId: state?.runId });

function receive(message: ProgressHostMessage): void {
    switch (message.type) {
        case 'init': {
            const previous = state?.runId === message.run.runId ? state : undefined;
            const graph = toProgressGraph(message.model);
            const view = applyEvents(initialRunView(message.run.runId, message.model.name, graph.tasks.map(task => task.id)), message.events);
            state = { runId: message.run.runId, run: message.run, graph, view, selected: previous?.selected };
            detached = undefined;
            build();
            if (state.selected !== undefined) post({ type: 'selectTask', task: state.selected });
            save();
            return;
        }
        case 'events': {
            if (!state || message.runId !== state.runId) return;
            applyEvents(state.view, message.events);
            const touched = new Set<string>();
            for (const event of message.events) if ('task' in event && typeof event.task === 'string') touched.add(event.task);
            graphView?.update(state.view.tasks, touched);
            renderHeader();
            if (state.selected !== undefined && touched.has(state.selected)) showDetails();
            save();
            return;
        }
        case 'detached':
            detached = message.reason;
            if (!state) {
                graphHost.replaceChildren(h('p', { class: 'muted placeholder', text: message.reason }));
                return;
            }
            renderHeader();
            showDetails();
            return;
        case 'waiting':
            details.setWaiting(message.explanation, state?.view.tasks[message.explanation.task], detached === undefined);
            return;
        case 'log':
            details.setLog(message.task, { attempt: message.attempt, item: message.item }, message.log, state?.view.tasks[message.task], detached === undefined);
            return;
    }
}

/** Draws everything from `state`: after `init`, and at once when the panel was restored. */
function build(): void {
    if (!state) return;
    const current = state;
    graphView = new GraphView(current.graph, layoutGraph(current.graph), task => select(task === current.selected ? undefined : task));
    graphView.update(current.view.tasks);
    graphView.select(current.selected);
    graphHost.replaceChildren(graphView.element);
    fitGraph();
    document.title = `Flow: ${current.run.workflow}`;
    renderHeader();
    showDetails();
}

function renderHeader(): void {
    if (state) header.render(state.run, state.graph.title, state.view, detached);
}

function select(task: string | undefined): void {
    if (!state) return;
    state.selected = task;
    graphView?.select(task);
    showDetails();
    if (detached === undefined) post({ type: 'selectTask', task: task ?? null });
    save();
}

function showDetails(): void {
    if (!state) return;
    const task = state.graph.tasks.find(candidate => candidate.id === state!.selected);
    details.show(task, task ? state.view.tasks[task.id] : undefined, detached === undefined);
}

function fitGraph(): void {
    // The host's width without its padding: what the drawing may take without a scroll bar.
    graphView?.size(graphHost.classList.contains('fit') ? graphHost.clientWidth - 12 : undefined);
}

new ResizeObserver(fitGraph).observe(graphHost);

/** Switches the graph between fitted to the panel's width and actual size (for a graph too large to read fitted). */
function zoomButton(): HTMLElement {
    const button = h('button', { class: 'link-button zoom' });
    const show = (): void => {
        const fitted = graphHost.classList.contains('fit');
        button.replaceChildren(codicon(fitted ? 'zoom-in' : 'screen-normal'), fitted ? ' Actual size' : ' Fit to width');
        button.title = fitted ? 'Show the graph at its actual size' : 'Shrink the graph to the panel\'s width';
    };
    button.addEventListener('click', () => {
        graphHost.classList.toggle('fit');
        fitGraph();
        show();
    });
    show();
    return button;
}

let saveTimer: ReturnType<typeof setTimeout> | undefined;

/** Saves at most a few times a second: a busy run sends many small batches of events. */
function save(): void {
    if (saveTimer !== undefined) return;
    saveTimer = setTimeout(() => {
        saveTimer = undefined;
        if (state) api.setState(state);
    }, 250);
}

/**
 * "Why is this waiting?" for a task of a run the editor follows: what it waits for, in words,
 * read from the run's events (unfinished dependencies, a full pool, busy agents, a retry's
 * delay), and its score as the engine computes it for the live run (`RunHandle.explainTaskScore`,
 * the formula and the state the ready queue uses).
 */
import { planWorkflow, TERMINAL_STATUSES, type RunEvent, type ScoreExplanation, type TaskStatus } from '@flow/engine';
import type { TaskDef, WorkflowModel } from '@flow/model';
import type { WaitingExplanation } from '../shared/messages.js';

/** What the events say about a run's tasks, agents and pools now. */
interface RunPicture {
    status: Map<string, TaskStatus>;
    /** Attempts in flight, by `task#item`, with the agent each runs on. */
    running: Map<string, { task: string; agent?: string }>;
    retry: Map<string, { nextAttempt: number; at: number }>;
    breakers: Map<string, 'open' | 'half_open' | 'closed'>;
}

const BASIS = 'What it waits for is read from this run\'s events; the score is the engine\'s own for this task now, as the ready queue computes it.';

/**
 * @param score the engine's score of a task of the live run (the RunManager asks the run's
 *   handle); undefined once the run has ended, when no task waits any more.
 */
export function explainWaitingTask(model: WorkflowModel, events: readonly RunEvent[], taskId: string, now: number,
    score: (taskId: string) => ScoreExplanation | undefined): WaitingExplanation {
    const task = model.tasks.find(candidate => candidate.id === taskId);
    if (!task) throw new Error(`No task "${taskId}" in workflow ${model.name}.`);
    const picture = readPicture(events);
    const status = picture.status.get(taskId) ?? 'pending';
    const retry = picture.retry.get(taskId);
    const waitingForRetry = status === 'running' && retry !== undefined && ![...picture.running.values()].some(entry => entry.task === taskId);
    if (TERMINAL_STATUSES.has(status) || (status === 'running' && !waitingForRetry)) {
        return { task: taskId, status, waiting: false, waitingFor: [], basis: BASIS };
    }

    const waitingFor: string[] = [];
    if (waitingForRetry) {
        waitingFor.push(`attempt ${retry.nextAttempt}: it retries ${retry.at > now ? `in ${Math.ceil((retry.at - now) / 1000)} s` : 'now'}, after its backoff delay`);
    } else if (status === 'pending' || status === 'waiting') {
        const unfinished = task.dependencies.filter(dependency => !TERMINAL_STATUSES.has(picture.status.get(dependency) ?? 'pending'));
        if (unfinished.length > 0) {
            waitingFor.push(`${unfinished.length === 1 ? 'its dependency' : `${unfinished.length} dependencies`}: ` +
                unfinished.map(dependency => `${dependency} (${(picture.status.get(dependency) ?? 'pending').replace('_', ' ')})`).join(', '));
        } else if (task.startAt !== undefined && Date.parse(task.startAt) > now) {
            waitingFor.push(`its start time, ${task.startAt}`);
        } else {
            waitingFor.push('its dependencies have finished; the engine is deciding (a condition, a cache lookup)');
        }
    }

    const pool = task.pool ? model.pools.find(candidate => candidate.name === task.pool) : undefined;
    const poolRunning = pool ? [...picture.running.values()].filter(entry => model.tasks.find(other => other.id === entry.task)?.pool === pool.name) : [];
    const agents = agentSlots(model, task, picture);
    if (status === 'ready' || waitingForRetry) {
        if (pool && poolRunning.length >= pool.concurrency) {
            waitingFor.push(`pool ${pool.name} is full: ${poolRunning.length} of ${pool.concurrency} slots taken by ${names(poolRunning.map(entry => entry.task))}`);
        }
        if (agents && agents.free === 0) {
            waitingFor.push(`no free agent: ${agents.detail.join('; ')}`);
        }
        if (status === 'ready' && waitingFor.length === 0) {
            waitingFor.push(`nothing it needs is taken: it starts at the engine's next dispatch, after any queued task with a higher score` +
                ` (${picture.running.size} attempt${picture.running.size === 1 ? '' : 's'} running; the run may also be at its flow.maxParallelTasks limit)`);
        }
    }

    // A retried attempt is queued again once its delay is over.
    const queued = status === 'ready' || (waitingForRetry && retry.at <= now);
    return {
        task: taskId, status, waiting: true, waitingFor, score: score(taskId),
        basis: queued ? BASIS : `${BASIS} It is not queued yet: this is the score it would have if it were queued now.`
    };
}

/** Free and total slots of the agents that may run the task, as the engine counts them (an open breaker frees none). */
function agentSlots(model: WorkflowModel, task: TaskDef, picture: RunPicture): { free: number; detail: string[] } | undefined {
    const candidates = candidatesOf(model, task.id);
    if (candidates === undefined) return undefined;
    let free = 0;
    const detail: string[] = [];
    for (const name of candidates) {
        const agent = model.agents.find(candidate => candidate.name === name);
        if (!agent) continue;
        const busy = [...picture.running.values()].filter(entry => entry.agent === name).length;
        const breaker = picture.breakers.get(name) ?? 'closed';
        if (breaker !== 'open') free += Math.max(0, agent.concurrency - busy);
        detail.push(breaker === 'open' ? `${name} has its circuit breaker open` : `${name} runs ${busy} of ${agent.concurrency}`);
    }
    return { free, detail };
}

const candidateCache = new WeakMap<WorkflowModel, Map<string, string[]>>();

/** The agents that may run a task (the engine's plan says which), or undefined when it needs none. */
function candidatesOf(model: WorkflowModel, taskId: string): string[] | undefined {
    let byTask = candidateCache.get(model);
    if (!byTask) {
        byTask = new Map(planWorkflow(model, {}).waves.flat().map(planned => [planned.id, planned.agents]));
        candidateCache.set(model, byTask);
    }
    const task = model.tasks.find(candidate => candidate.id === taskId)!;
    const needsAgent = task.agent !== undefined || task.run === undefined;
    return needsAgent ? byTask.get(taskId) ?? [] : undefined;
}

function readPicture(events: readonly RunEvent[]): RunPicture {
    const picture: RunPicture = { status: new Map(), running: new Map(), retry: new Map(), breakers: new Map() };
    const endAttempt = (task: string, item: number | undefined): void => {
        picture.running.delete(`${task}#${item ?? -1}`);
    };
    const endTask = (task: string): void => {
        for (const [key, entry] of picture.running) if (entry.task === task) picture.running.delete(key);
        picture.retry.delete(task);
    };
    for (const event of events) {
        switch (event.type) {
            case 'task.ready':
                picture.status.set(event.task, 'ready');
                break;
            case 'task.started':
                picture.status.set(event.task, 'running');
                picture.running.set(`${event.task}#${event.item ?? -1}`, { task: event.task, agent: event.agent });
                picture.retry.delete(event.task);
                break;
            case 'task.attempt_failed':
                endAttempt(event.task, event.item);
                break;
            case 'task.retry_scheduled':
                picture.retry.set(event.task, { nextAttempt: event.nextAttempt, at: event.time + event.delayMs });
                break;
            case 'batch.progress':
                endAttempt(event.task, event.item);
                break;
            case 'task.completed':
                picture.status.set(event.task, 'completed');
                endTask(event.task);
                break;
            case 'task.failed':
                picture.status.set(event.task, 'failed');
                endTask(event.task);
                break;
            case 'task.skipped':
                picture.status.set(event.task, event.status);
                endTask(event.task);
                break;
            case 'breaker.opened':
                picture.breakers.set(event.agent, 'open');
                break;
            case 'breaker.half_open':
                picture.breakers.set(event.agent, 'half_open');
                break;
            case 'breaker.closed':
                picture.breakers.set(event.agent, 'closed');
                break;
            default:
                break;
        }
    }
    return picture;
}

function names(tasks: string[]): string {
    return tasks.length <= 3 ? tasks.join(', ') : `${tasks.slice(0, 3).join(', ')} and ${tasks.length - 3} more`;
}

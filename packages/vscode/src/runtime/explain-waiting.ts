/**
 * "Why is this waiting?" for a task of a run the editor follows. The engine keeps its state
 * inside `startWorkflow` (its handle does not expose it), so `explainTaskScore` cannot be asked
 * about a live run; what the score reads (how long the task has been queued, the free slots of
 * its pool and of the agents that may run it) is rebuilt here from the run's events and handed
 * to the engine's own `computeScore`, the formula the ready queue uses. The unit test checks the
 * result against `explainTaskScore` on the engine's real state.
 */
import { computeScore, planWorkflow, scoreStatics, TERMINAL_STATUSES, type RunEvent, type TaskStatus } from '@flow/engine';
import type { TaskDef, WorkflowModel } from '@flow/model';
import type { WaitingExplanation } from '../shared/messages.js';

/** What the events say about a run's tasks, agents and pools now. */
interface RunPicture {
    status: Map<string, TaskStatus>;
    /** When each task's units entered the ready queue (a retry re-enters it after its delay). */
    queuedAt: Map<string, number>;
    /** Attempts in flight, by `task#item`, with the agent each runs on. */
    running: Map<string, { task: string; agent?: string }>;
    retry: Map<string, { nextAttempt: number; at: number }>;
    breakers: Map<string, 'open' | 'half_open' | 'closed'>;
}

const BASIS = 'Computed with the engine\'s score formula from this run\'s events (time queued, free pool and agent slots), as the ready queue scores it.';

export function explainWaitingTask(model: WorkflowModel, events: readonly RunEvent[], taskId: string, now: number): WaitingExplanation {
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

    const statics = scoreStatics(model);
    // A retried attempt is queued again once its delay is over.
    const queued = status === 'ready' || (waitingForRetry && retry.at <= now);
    const queuedAt = queued ? picture.queuedAt.get(taskId) : undefined;
    const score = computeScore(task, model.policies.scheduling, {
        now,
        waitedMs: queuedAt === undefined ? 0 : Math.max(0, now - queuedAt),
        poolFree: pool ? Math.max(0, pool.concurrency - poolRunning.length) : undefined,
        poolConcurrency: pool?.concurrency,
        agentsFree: agents?.free,
        agentsCapacity: agents?.capacity,
        dependents: statics.dependents.get(taskId) ?? 0,
        maxDependents: statics.maxDependents,
        maxBusinessValue: statics.maxBusinessValue
    });
    return {
        task: taskId, status, waiting: true, waitingFor, score,
        basis: queued ? BASIS : `${BASIS} It is not queued yet: this is the score it would have if it were queued now.`
    };
}

/** Free and total slots of the agents that may run the task, as the engine counts them (an open breaker frees none). */
function agentSlots(model: WorkflowModel, task: TaskDef, picture: RunPicture): { free: number; capacity: number; detail: string[] } | undefined {
    const candidates = candidatesOf(model, task.id);
    if (candidates === undefined) return undefined;
    let free = 0;
    let capacity = 0;
    const detail: string[] = [];
    for (const name of candidates) {
        const agent = model.agents.find(candidate => candidate.name === name);
        if (!agent) continue;
        const busy = [...picture.running.values()].filter(entry => entry.agent === name).length;
        const breaker = picture.breakers.get(name) ?? 'closed';
        capacity += agent.concurrency;
        if (breaker !== 'open') free += Math.max(0, agent.concurrency - busy);
        detail.push(breaker === 'open' ? `${name} has its circuit breaker open` : `${name} runs ${busy} of ${agent.concurrency}`);
    }
    return { free, capacity, detail };
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
    const picture: RunPicture = { status: new Map(), queuedAt: new Map(), running: new Map(), retry: new Map(), breakers: new Map() };
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
                picture.queuedAt.set(event.task, event.time);
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
                // The retried attempt re-enters the ready queue when its delay is over.
                picture.queuedAt.set(event.task, event.time + event.delayMs);
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

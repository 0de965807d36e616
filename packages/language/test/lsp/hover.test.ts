import { expectHover } from 'langium/test';
import { describe, it } from 'vitest';
import { useFlowServices } from './lsp-services.js';

const services = useFlowServices();
const hover = (text: string, expected: RegExp) => expectHover(services().Flow)({ text, index: 0, hover: expected });

describe('hover', () => {
    it('shows a task as declared, with its doc comment', async () => {
        await hover('workflow W {\n  /** Sizes the market. */\n  task <|>market: research "Size it"\n}',
            /^```flow\ntask market: research "Size it"\n```\n\nSizes the market\./);
    });

    it("merges the type's defaults with the task's own settings", async () => {
        await hover('type audit { timeout 1h output report checks risk } workflow W { task <|>a: audit { timeout 5m } }',
            /\*\*Timeout\*\* 5m \*\(overrides 1h of type audit\)\*[\s\S]*\*\*Output\*\* report \*\(type audit\)\*[\s\S]*\*\*Checks\*\* risk \*\(type audit\)\*/);
    });

    it('lists the capabilities a task requires: its type\'s and its own', async () => {
        await hover('type audit { requires scan } workflow W { task <|>a: audit { requires sign } }',
            /\*\*Requires\*\* scan \*\(type audit\)\*, sign \*\(own\)\*/);
    });

    it("shows the workflow's retry policy that a task inherits", async () => {
        await hover('workflow W { retry { attempts 3 backoff linear 2s } task <|>a: research }',
            /\*\*Retry\*\* 3 attempts, linear backoff from 2s, on timeout, agent_unavailable, resource_exhausted \*\(workflow\)\*/);
    });

    it("shows a task's own retry over the workflow's", async () => {
        await hover('workflow W { retry { attempts 3 } task <|>a: research { retry 5 } }', /\*\*Retry\*\* 5 attempts, .* \*\(own\)\*/);
    });

    it('shows the priority, with the default when none is written', async () => {
        await hover('workflow W { task <|>a: research }', /\*\*Priority\*\* normal \*\(default\)\*/);
    });

    it('shows the pool a task gets from a pool that lists its type', async () => {
        await hover('workflow W { pool gpu { types research } task <|>a: research }', /\*\*Pool\*\* gpu \*\(lists type research\)\*/);
    });

    it('shows the upstream tasks, written and from phase order', async () => {
        await hover('workflow W { phase one { task a: research } phase two after one { task b: research task <|>c: research after b } }',
            /\*\*Waits for\*\* a \*\(phase order\)\*, b \*\(after\)\*/);
    });

    it('shows the same for a reference to a task in a `when` expression', async () => {
        await hover('workflow W { task a: research { priority high } task b: research after a { when <|>a.status == "completed" } }',
            /^```flow\ntask a: research\n```[\s\S]*\*\*Priority\*\* high/);
    });

    it('shows what a task member means', async () => {
        await hover('workflow W { task a: research task b: research after a { when a.<|>result.x > 1 } }', /^`a\.result`: The result the task produced/);
    });

    it("shows an agent's capabilities, concurrency and runner", async () => {
        await hover('agent <|>crawler { capabilities web, pdf concurrency 3 run shell "crawl.sh" }',
            /\*\*Capabilities\*\* web, pdf\n- \*\*Concurrency\*\* 3\n- \*\*Weight\*\* 1 \*\(default\)\*\n- \*\*Runs\*\* shell "crawl\.sh"/);
    });

    it("shows a parameter's type and default", async () => {
        await hover('workflow W { param <|>depth: "basic" | "full" = "basic" }', /^```flow\nparam depth: "basic" \| "full" = "basic"\n```$/);
    });

    it('shows a parameter read inside an interpolation', async () => {
        await hover('workflow W { param topic: string = "AI" task a: research { run shell "go {{param.to<|>pic}}" } }',
            /^```flow\nparam topic: string = "AI"\n```$/);
    });

    it('shows a task read inside an interpolation', async () => {
        await hover('workflow W { task first: design task a: research after first { run shell "go {{fi<|>rst.result.path}}" } }',
            /^```flow\ntask first: design\n```/);
    });

    it('shows which agents offer a capability', async () => {
        await hover('agent crawler { capabilities web } workflow W { task a: research { requires <|>web } }', /\*\*Offered by\*\* crawler/);
    });

    it("shows a built-in type's defaults", async () => {
        await hover('workflow W { task a: <|>research }', /^```flow\ntype research\n```\n\nInformation gathering and analysis\.\n\n- \*\*Built in\*\*\n- \*\*Timeout\*\* 10m/);
    });

    it("shows a pool's concurrency and the types it takes", async () => {
        await hover('workflow W { pool <|>gpu { concurrency 2 types analysis } }', /\*\*Concurrency\*\* 2\n- \*\*Types\*\* analysis/);
    });

    it('shows how a phase orders its tasks', async () => {
        await hover('workflow W { phase <|>build sequential { task a: design task b: design } }',
            /^```flow\nphase build sequential\n```\n\n- \*\*Tasks\*\* 2\n- \*\*Order\*\* one after another/);
    });

    it('shows when a notification is sent', async () => {
        await hover('notification <|>ops { on failed, cancelled }', /\*\*On\*\* failed, cancelled/);
    });

    it('shows the language reference for a keyword that opens a construct', async () => {
        await hover('workflow W { <|>checkpoint done after a task a: design }', /^A named checkpoint recorded once the given tasks are done\.$/);
    });
});

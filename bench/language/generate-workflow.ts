/**
 * Generates realistic `.flow` documents of any size for the benchmarks: agents covering every
 * built-in type's capabilities, phases chained with `after`, two streams per phase, and tasks
 * with 2-3 dependencies on recent tasks, conditions on an upstream result, retries, timeouts,
 * tags, metadata and shell commands with interpolations. Deterministic for a given size.
 */
import { mulberry32 } from '../../test/support/prng.js';

const TYPES = ['research', 'analysis', 'implementation', 'design', 'review', 'testing', 'planning', 'coordination'];
const PRIORITIES = ['urgent', 'high', 'normal', 'normal', 'low'];
const TASKS_PER_PHASE = 100;


const taskName = (index: number) => `t${String(index).padStart(5, '0')}`;

export interface GeneratedWorkflow {
    text: string;
    lines: number;
    /** With `completionProbe`: where completion is asked, right after `after ` in the task being typed. */
    completionOffset: number;
}

/**
 * A workflow of `taskCount` tasks; with `completionProbe`, a half-typed task at the end
 * (`task probe: research "Being typed" after `) where completion is asked.
 */
export function generateWorkflow(taskCount: number, completionProbe = false): GeneratedWorkflow {
    const random = mulberry32(taskCount);
    const out: string[] = [
        '/** A generated workflow for the language benchmarks. */',
        `workflow Generated${taskCount} {`,
        '  version "1.0"',
        '  param region: string = "eu"',
        '  param depth: "basic" | "standard" | "comprehensive" = "standard"',
        '',
        '  agent researcher { capabilities web_search, document_analysis concurrency 4 run shell "./research.sh {{param.region}}" }',
        '  agent analyst { capabilities data_analysis, statistical_modeling concurrency 2 run shell "./analyze.sh" }',
        '  agent engineer {',
        '    capabilities code_generation, testing, documentation, design, review, planning, coordination',
        '    concurrency 8',
        '    run shell "./build.sh"',
        '  }',
        '  pool cpu_intensive { concurrency 4 }',
        '  retry { attempts 3 backoff exponential 2s on timeout, agent_unavailable }',
        '  cache { ttl 1h types research, analysis }',
        ''
    ];
    for (let phaseStart = 0; phaseStart < taskCount; phaseStart += TASKS_PER_PHASE) {
        const phase = phaseStart / TASKS_PER_PHASE;
        out.push(`  phase p${phase}${phase > 0 ? ` after p${phase - 1}` : ''} {`);
        const phaseEnd = Math.min(taskCount, phaseStart + TASKS_PER_PHASE);
        const half = phaseStart + Math.ceil((phaseEnd - phaseStart) / 2);
        for (const [stream, from, to] of [['main', phaseStart, half], ['side', half, phaseEnd]] as const) {
            if (from >= to) continue;
            out.push(`    stream ${stream} {`);
            for (let index = from; index < to; index++) out.push(...taskLines(index, random));
            out.push('    }');
        }
        out.push('  }');
    }
    out.push('  checkpoint halfway after ' + taskName(Math.floor(taskCount / 2)));
    if (completionProbe) out.push('  task probe: research "Being typed" after ');
    const text = out.join('\n') + '\n}\n';
    return {
        text,
        lines: out.length + 1,
        completionOffset: text.length - '\n}\n'.length
    };
}

function taskLines(index: number, random: () => number): string[] {
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    const dependencies = new Set<number>();
    const wanted = index === 0 ? 0 : 2 + Math.floor(random() * 2);
    for (let attempt = 0; dependencies.size < Math.min(wanted, index) && attempt < 10; attempt++) {
        dependencies.add(index - 1 - Math.floor(random() * Math.min(index, 30)));
    }
    const after = [...dependencies].sort((a, b) => a - b).map(taskName);
    const lines = [
        `      task ${taskName(index)}: ${pick(TYPES)} "Step ${index} of the generated plan"${after.length ? ` after ${after.join(', ')}` : ''} {`,
        `        priority ${pick(PRIORITIES)}`,
        `        timeout ${10 + Math.floor(random() * 50)}m`
    ];
    if (random() < 0.3) lines.push(`        retry ${2 + Math.floor(random() * 3)}`);
    if (random() < 0.5) lines.push(`        tags wave${index % 7}, generated`);
    if (random() < 0.4) lines.push(`        metadata { owner: "team-${index % 12}", budget: ${1000 + Math.floor(random() * 9000)} }`);
    if (after.length > 0 && random() < 0.3) lines.push(`        when ${after[0]}.result.score > 0.5 and param.depth != "basic"`);
    if (random() < 0.4) lines.push(`        run shell "./step.sh ${index} {{param.region}}"`);
    lines.push('      }');
    return lines;
}

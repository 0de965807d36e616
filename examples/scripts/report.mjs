// Writes the sales report from the totals of every quarter (the `totals` batch's results) and
// returns what it wrote. A node runner module: its default export receives the task's context.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export default async function writeReport({ params, upstream, workflowDir, log }) {
    const quarters = upstream.totals.result;
    const grandTotal = quarters.reduce((sum, quarter) => sum + quarter.total, 0);
    const regionTotal = quarters.reduce((sum, quarter) => sum + quarter.region, 0);
    const lines = [
        `# Sales report (${params.region})`,
        '',
        '| file | rows | total | ' + params.region + ' |',
        '|---|---|---|---|',
        ...quarters.map(quarter => `| ${quarter.file} | ${quarter.rows} | ${quarter.total} | ${quarter.region} |`),
        '',
        `Grand total: ${grandTotal}; ${params.region}: ${regionTotal} (${Math.round(100 * regionTotal / grandTotal)} %).`
    ];
    const folder = resolve(workflowDir, params.out);
    await mkdir(folder, { recursive: true });
    const file = join(folder, 'sales-report.md');
    await writeFile(file, lines.join('\n') + '\n');
    log(`wrote ${file}`);
    return { file, grandTotal, regionTotal };
}

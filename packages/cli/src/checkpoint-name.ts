/**
 * What a checkpoint may be named, for `flowctl checkpoint --name` and the editor's Create
 * Checkpoint alike: a name that `--from-checkpoint` can never read as a checkpoint number.
 * Returns what is wrong with `name`, or undefined when it is a good name.
 */
export function checkpointNameProblem(name: string): string | undefined {
    if (/^[A-Za-z_][\w-]*$/.test(name)) return undefined;
    return 'use letters, digits, _ and -, starting with a letter or _ (numbers are checkpoint ids).';
}

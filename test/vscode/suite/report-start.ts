/** The first line the suite logs: the harness shows the extension host's log from there on. */
export const REPORT_START = 'Flow extension-host suite';

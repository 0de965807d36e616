import { clearDocuments } from 'langium/test';
import { afterEach, beforeAll } from 'vitest';
import { createFlowServicesWithBuiltins, type FlowServiceSet } from '../../src/flow-module.js';

/**
 * Flow services with the built-in library for one test file. The documents a test creates are
 * removed after it, so root-level declarations of one test are never in scope in the next.
 */
export function useFlowServices(): () => FlowServiceSet {
    let services: FlowServiceSet | undefined;
    beforeAll(async () => {
        services = await createFlowServicesWithBuiltins();
    });
    afterEach(async () => {
        const { shared } = services!;
        const created = shared.workspace.LangiumDocuments.all.filter(document => document.uri.scheme === 'file').toArray();
        await clearDocuments(shared, created);
    });
    return () => services!;
}

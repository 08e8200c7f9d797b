/** Lineage and audit over an embedded run on PGlite: see test/support/lineage-audit-scenario.ts. */
import { lineageAuditScenario } from '../support/lineage-audit-scenario';

lineageAuditScenario('pglite');

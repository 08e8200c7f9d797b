/** Lineage and audit over an embedded run on PostgreSQL: see test/support/lineage-audit-scenario.ts. */
import { lineageAuditScenario } from '../support/lineage-audit-scenario';

lineageAuditScenario('postgres');

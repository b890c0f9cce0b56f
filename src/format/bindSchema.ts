/**
 * SQL files (src/ingest/derived.sql, src/detectors/<id>/query.sql) name format
 * facts through placeholders instead of copying numbers from events.json:
 *
 *   {{kind.sync_begin}}                 kind id (50)
 *   {{kinds.non_timeline}}              comma list of kinds with no timeline meaning
 *   {{flag.process.cupti_completions}}  flag mask (2)
 *   {{enum.sync_scope.device}}          enum code (1)
 *   {{field.slot_acquire.slot}}         the field read from raw_events' payload columns
 *   {{field.slot_release.at_thread_exit@n}}   ... from the columns of alias `n`
 *
 * Whitespace inside the braces is not allowed; an unknown name is an error that
 * names the file, so a renamed kind fails at load time instead of matching nothing.
 */
import { ENUMS, FLAGS, KIND_BY_NAME, NON_TIMELINE_KINDS } from './kinds.js';
import { payloadFieldSql } from './payloadSql.js';

const PLACEHOLDER = /\{\{([a-z_]+)\.([a-z0-9_.]+?)(?:@([a-z_][a-z0-9_]*))?\}\}/g;

function resolve(ns: string, name: string, alias: string | undefined): string | undefined {
  const [a, b, extra] = name.split('.');
  if (alias !== undefined && ns !== 'field') return undefined;
  switch (ns) {
    case 'kind':
      return b === undefined ? KIND_BY_NAME.get(a!)?.id.toString() : undefined;
    case 'kinds':
      return a === 'non_timeline' && b === undefined ? NON_TIMELINE_KINDS.join(', ') : undefined;
    case 'flag': {
      const v = b !== undefined && extra === undefined ? (FLAGS as Record<string, Record<string, number>>)[a!]?.[b] : undefined;
      return v?.toString();
    }
    case 'enum':
      return b !== undefined && extra === undefined ? ENUMS[a!]?.[b]?.toString() : undefined;
    case 'field': {
      const f = b !== undefined && extra === undefined ? KIND_BY_NAME.get(a!)?.fields.find((x) => x.name === b) : undefined;
      return f ? payloadFieldSql(f, alias) : undefined;
    }
    default:
      return undefined;
  }
}

/** Replaces every placeholder; throws naming `where` and the placeholder when one is unknown. */
export function bindSchema(sql: string, where: string): string {
  const out = sql.replace(PLACEHOLDER, (whole, ns: string, name: string, alias?: string) => {
    const v = resolve(ns, name, alias);
    if (v === undefined) throw new Error(`${where}: unknown schema placeholder ${whole} (see src/format/bindSchema.ts for the forms)`);
    return v;
  });
  const left = out.match(/\{\{[^}]*\}\}/);
  if (left) throw new Error(`${where}: malformed schema placeholder ${left[0]} (see src/format/bindSchema.ts for the forms)`);
  return out;
}

/**
 * instrumentation/python/mpstrace/_schema.py: the format facts and the
 * annotation signatures for Python (the ctypes binding, mpstrace.mps and the
 * torch-free trace reader traces/programs/trace_summary.py), so none of them
 * keeps its own copy of kind ids, enums, header offsets or entry points.
 */
import { apiEntries } from './api.js';
import { containerOf, layOutHeaders, type LaidOutKind, type Schema } from './layout.js';

/** JSON with no true/false/null is a valid Python literal. */
const py = (v: unknown) => JSON.stringify(v, null, 2);

export function pythonModule(schema: Schema, kinds: LaidOutKind[], banner: string): string {
  const L = [`"""${banner}"""`, ''];
  L.push(`FORMAT_VERSION = (${schema.version.major}, ${schema.version.minor})`);
  L.push(`CONTAINER = ${py(containerOf(schema))}`);
  L.push('# header name -> field name -> [byte offset, byte width]');
  L.push(
    `HEADERS = ${py(Object.fromEntries(layOutHeaders(schema).map((h) => [h.name, Object.fromEntries(h.fields.map((f) => [f.name, [f.offset, f.bytes]]))])))}`,
  );
  L.push('# flag set -> bit name -> mask');
  L.push(
    `FLAGS = ${py(Object.fromEntries(Object.entries(schema.flags).map(([s, f]) => [s, Object.fromEntries(Object.entries(f.bits).map(([n, b]) => [n, 2 ** b.bit]))])))}`,
  );
  L.push(`ENUMS = ${py(Object.fromEntries(Object.entries(schema.enums).map(([n, e]) => [n, e.values])))}`);
  L.push('# kind name -> id');
  L.push(`KIND = ${py(Object.fromEntries(kinds.map((k) => [k.name, k.id])))}`);
  L.push('# kind name -> field name -> [byte offset in the record, type]');
  L.push(
    `KIND_FIELDS = ${py(Object.fromEntries(kinds.map((k) => [k.name, Object.fromEntries(k.fields.map((f) => [f.name, [f.offset, f.type]]))])))}`,
  );
  L.push('# annotation entry point (mpstrace_impl_<name>) -> [return type, [parameter types]]');
  L.push(`ANNOTATIONS = ${py(Object.fromEntries(apiEntries(schema).map((e) => [e.name, [e.returns, e.params.map((p) => p.type)]])))}`);
  L.push('');
  return L.join('\n');
}

/**
 * The annotation API from the `annotations` table of events.json: the public C
 * header (instrumentation/include/mpstrace.h), the prototypes of the recorder's
 * `mpstrace_impl_*` entry points, and the Python binding's signature table all
 * come from here, so a new entry point is declared once.
 */
import type { Schema } from './layout.js';

export type ParamType = 'u32' | 'u64' | 'i32' | 'i64' | 'int' | 'str' | 'ptr';

export interface ApiParam {
  name: string;
  type: ParamType;
  /** Schema enum whose codes an `int` parameter takes. */
  enum?: string;
}

export interface ApiEntry {
  name: string;
  returns: 'void' | 'int' | 'u32';
  params: ApiParam[];
  binding: boolean;
  doc?: string;
}

const C_PARAM: Record<ParamType, string> = {
  u32: 'uint32_t',
  u64: 'uint64_t',
  i32: 'int32_t',
  i64: 'int64_t',
  int: 'int',
  str: 'const char *',
  ptr: 'const void *',
};

export function apiEntries(schema: Schema): ApiEntry[] {
  const names = new Set<string>();
  return schema.annotations.entries.map((e) => {
    if (names.has(e.name)) throw new Error(`schema: duplicate annotation ${e.name}`);
    names.add(e.name);
    const params = e.params.map((p) => {
      const [type, name, en, extra] = p.split(/\s+/);
      if (!type || !name || extra !== undefined || !(type in C_PARAM))
        throw new Error(`schema: annotation ${e.name}: bad parameter '${p}' (want 'type name' or 'int name enum')`);
      if (en !== undefined && (type !== 'int' || !schema.enums[en]))
        throw new Error(`schema: annotation ${e.name}.${name}: unknown enum ${en} (only int parameters take an enum)`);
      return { name, type: type as ParamType, ...(en ? { enum: en } : {}) };
    });
    return { name: e.name, returns: e.returns ?? 'void', params, binding: !!e.binding, ...(e.doc ? { doc: e.doc } : {}) };
  });
}

const decl = (type: string, name: string) => (type.endsWith('*') ? `${type}${name}` : `${type} ${name}`);
const cParams = (e: ApiEntry) => (e.params.length ? e.params.map((p) => decl(C_PARAM[p.type], p.name)).join(', ') : 'void');
const cTypes = (e: ApiEntry) => (e.params.length ? e.params.map((p) => C_PARAM[p.type]).join(', ') : 'void');
const upper = (s: string) => s.toUpperCase();
const cReturn = (e: ApiEntry) => (e.returns === 'u32' ? 'uint32_t' : e.returns);

/** instrumentation/include/mpstrace.h */
export function cPublicHeader(schema: Schema, banner: string): string {
  const entries = apiEntries(schema);
  const L = [
    `/* ${banner} */`,
    '/*',
    ' * mpstrace annotation API: lets a runtime (e.g. a stream pool) declare intent',
    ' * that no API hook can see. Header-only; link nothing. When no recorder is',
    ' * loaded (no LD_PRELOAD / DYLD_INSERT_LIBRARIES), every call is a no-op: the',
    ' * first call of each function looks its implementation up once with dlsym and',
    ' * caches the answer, later calls cost one load and one branch.',
    ' * Link with -ldl on glibc older than 2.34.',
    ' *',
    " * Streams and events are the backend's handles as integers",
    ' * (cudaStream_t / cudaEvent_t cast to uint64_t; for PyTorch,',
    ' * torch.cuda.Stream.cuda_stream and torch.cuda.Event.cuda_event).',
    ' */',
    '#ifndef MPSTRACE_H',
    '#define MPSTRACE_H',
    '',
    '#ifndef _GNU_SOURCE',
    '#define _GNU_SOURCE 1 /* RTLD_DEFAULT */',
    '#endif',
    '#include <dlfcn.h>',
    '#include <stdint.h>',
    '',
    '#ifdef __cplusplus',
    'extern "C" {',
    '#endif',
    '',
  ];
  const enums = [...new Set(entries.flatMap((e) => e.params.flatMap((p) => (p.enum ? [p.enum] : []))))];
  for (const en of enums) {
    const d = schema.enums[en]!;
    L.push(`/* ${d.doc} */`);
    L.push(
      `enum { ${Object.entries(d.values)
        .map(([n, v]) => `MPSTRACE_${upper(en)}_${upper(n)} = ${v}`)
        .join(', ')} };`,
    );
  }
  L.push(
    '',
    '/* Resolves `name` once; (void *)1 marks "looked up, absent". */',
    'static inline void *mpstrace__resolve_(void **cache, const char *name) {',
    '  void *f = __atomic_load_n(cache, __ATOMIC_RELAXED);',
    '  if (__builtin_expect(f == 0, 0)) {',
    '    f = dlsym(RTLD_DEFAULT, name);',
    '    if (!f) f = (void *)1;',
    '    __atomic_store_n(cache, f, __ATOMIC_RELAXED);',
    '  }',
    '  return f == (void *)1 ? 0 : f;',
    '}',
    '',
  );
  for (const e of entries) {
    if (e.binding) continue;
    const enumNote = e.params
      .filter((p) => p.enum)
      .map((p) => `${p.name}: MPSTRACE_${upper(p.enum!)}_*`)
      .join('; ');
    const doc = [e.doc, enumNote].filter(Boolean).join(' ');
    if (doc) L.push(`/* ${doc} */`);
    const ret = cReturn(e);
    L.push(`static inline ${ret} mpstrace_${e.name}(${cParams(e)}) {`);
    L.push('  static void *fn;');
    L.push(`  ${ret} (*f)(${cTypes(e)}) = (${ret} (*)(${cTypes(e)}))mpstrace__resolve_(&fn, "mpstrace_impl_${e.name}");`);
    const args = e.params.map((p) => p.name).join(', ');
    L.push(e.returns === 'void' ? `  if (f) f(${args});` : `  return f ? f(${args}) : 0;`);
    L.push('}');
  }
  L.push('', '#ifdef __cplusplus', '}', '#endif', '#endif', '');
  return L.join('\n');
}

/** instrumentation/runtime/mpst_api.generated.h: what mpst_annotate.c must define. */
export function cImplPrototypes(schema: Schema, banner: string): string {
  const L = [
    `/* ${banner} */`,
    "/* The recorder's annotation entry points; defined in mpst_annotate.c, looked up",
    '   by name (dlsym) from mpstrace.h and the Python module. */',
    '#ifndef MPST_API_GENERATED_H',
    '#define MPST_API_GENERATED_H',
    '',
    '#include <stdint.h>',
    '',
    '#ifndef MPST_EXPORT',
    '#define MPST_EXPORT __attribute__((visibility("default")))',
    '#endif',
    '',
  ];
  for (const e of apiEntries(schema)) L.push(`MPST_EXPORT ${cReturn(e)} mpstrace_impl_${e.name}(${cParams(e)});`);
  L.push('', '#endif', '');
  return L.join('\n');
}

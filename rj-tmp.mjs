const { DuckDBInstance } = await import('@duckdb/node-api');
const inst = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
const c = await inst.connect();
const cols = "{id: 'BIGINT', ts: 'BIGINT', tid: 'BIGINT', kind: 'UTINYINT', site: 'UINTEGER', p0: 'BIGINT', p1: 'BIGINT', p2: 'BIGINT', p3: 'BIGINT', p4: 'BIGINT'}";
const c0 = process.cpuUsage(); const t0 = performance.now();
await c.run(`CREATE TABLE raw_events AS SELECT * FROM read_json('${process.argv[2]}', format = 'newline_delimited', columns = ${cols})`);
const cu = process.cpuUsage(c0);
console.log(JSON.stringify({ mode: 'read_json', s: +((performance.now() - t0) / 1000).toFixed(2), cpu: +((cu.user + cu.system) / 1e6).toFixed(2), rss: Math.round(process.resourceUsage().maxRSS / 1024) }));

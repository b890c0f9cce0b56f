import type { Command } from 'commander';
import { register as info } from './info.js';
import { register as sql } from './sql.js';
import { register as synth } from './synth.js';
import { register as metrics } from './metrics.js';
import { register as diff } from './diff.js';
import { register as report } from './report.js';
import { register as exportCmd } from './export.js';
import { register as analyze } from './analyze.js';
import { register as record } from './record.js';
import { register as symbolize } from './symbolize.js';

/** Each command module exports `register(program)`; order is the order in --help. */
export type Register = (program: Command) => void;

export const commands: Register[] = [info, sql, synth, metrics, diff, report, exportCmd, analyze, record, symbolize];

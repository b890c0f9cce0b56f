/**
 * The one spelling of the output option across commands: `-o, --output <file>`
 * (`-` is stdout where the output is a stream). `--out`, which `record` used to
 * take, stays as a hidden alias so old scripts keep working.
 */
import { Option, type Command } from 'commander';
import { UserError } from '../util/errors.js';

export function outputOption(cmd: Command, description: string, opts: { required?: boolean; defaultValue?: string } = {}): Command {
  const o = new Option('-o, --output <file>', description + (opts.required ? ' (required)' : ''));
  if (opts.defaultValue !== undefined) o.default(opts.defaultValue);
  return cmd.addOption(o).addOption(new Option('--out <file>', 'old spelling of --output').hideHelp());
}

/** The output path given by --output or its alias --out; with `required`, a UserError when neither is there. */
export function resolveOutput(o: { output?: string; out?: string }, opts: { required?: boolean } = { required: true }): string | undefined {
  if (o.out !== undefined && o.output !== undefined && o.out !== o.output) {
    throw new UserError(`--out ${o.out} and --output ${o.output} name two outputs; give -o/--output once`);
  }
  const v = o.out ?? o.output;
  if (v === undefined && opts.required) throw new UserError('no output file: give -o/--output <file>');
  return v;
}

import type { Command } from 'commander';

/** Each command module exports `register(program)`; order is the order in --help. */
export type Register = (program: Command) => void;

export const commands: Register[] = [];

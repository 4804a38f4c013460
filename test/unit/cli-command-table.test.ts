/** The command line's help and its checks come from one table: what --help says a command takes, it takes. */
import { expect, it } from 'vitest';
import { commandTable, parseCli, usage, type CommandName } from '../../src/cli/args';

const commands = Object.keys(commandTable) as CommandName[];
const words = (command: CommandName): string[] => command.split(' ');

it('--help lists every command with its operand and every option it takes', () => {
  for (const command of commands) {
    const spec: { operand?: { name: string }; options: Record<string, string> } = commandTable[command];
    expect(usage).toContain(`  ${command}${spec.operand ? ` ${spec.operand.name}` : ''}\n`);
    const from = usage.slice(usage.indexOf(`  ${command}`) + 2);
    const section = from.slice(0, from.search(/\n(?: {2}\S|\n)/));
    for (const option of Object.keys(spec.options).filter((o) => o !== 'json'))
      expect(section, `${command} --${option}`).toContain(`--${option}`);
  }
});

it('an option a command does not take is refused, naming the commands that do', () => {
  const takers = commands.filter((c) => 'reason' in commandTable[c].options);
  expect(takers).toEqual(['ceremony abort']);
  for (const command of commands.filter((c) => !takers.includes(c) && !('operand' in commandTable[c])))
    expect(() => parseCli([...words(command), '--reason', 'why'])).toThrow('--reason goes with ceremony abort.');
});

it('a command missing what it needs is refused, saying what it needs', () => {
  expect(() =>
    parseCli(['ceremony', 'abort', 'generate-cmk-0f1e2d3c-1111-2222-3333-444455556666', '--out', '/tmp']),
  ).toThrow('ceremony abort needs --reason TEXT: why the ceremony is aborted');
  expect(() => parseCli(['audit', 'export', '--officer', 'carol'])).toThrow('audit export needs --out FILE');
  expect(() => parseCli(['ceremony', 'run', 'plan.yaml'])).toThrow('ceremony run needs --out DIR');
});

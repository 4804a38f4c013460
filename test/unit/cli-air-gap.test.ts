import { expect, it } from 'vitest';
import { networkDecision } from '../../src/cli/air-gap';
import { parseCli } from '../../src/cli/args';
import type { AirGapStatus } from '../../src/shared/air-gap';
import { KeywardError } from '../../src/shared/errors';

const onCable: AirGapStatus = {
  isolated: false,
  findings: ['Network interface eth0 is up.'],
  interfaces: [],
  defaultRoutes: [],
};
const isolated: AirGapStatus = { isolated: true, findings: [], interfaces: [], defaultRoutes: [] };

it('on the command line, a ceremony on a network is refused until a security officer acknowledges the findings', () => {
  const printed: string[] = [];
  const print = (text: string) => printed.push(text);
  let refusal: unknown;
  try {
    networkDecision(onCable, false, print);
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(KeywardError);
  expect(refusal).toMatchObject({
    code: 'AIR_GAP_UNCONFIRMED',
    message: 'This workstation may not be air-gapped: Network interface eth0 is up.',
  });
  expect((refusal as KeywardError).nextStep).toContain('--network-acknowledged');
  expect(printed.join('')).toContain('  Network interface eth0 is up.');
  expect(networkDecision(onCable, true, print)).toBe(true);
  expect(networkDecision(isolated, false, print)).toBe(false);
  expect(
    parseCli(['ceremony', 'run', 'plan.yaml', '--out', '/media/x', '--network-acknowledged']).networkAcknowledged,
  ).toBe(true);
  expect(() => parseCli(['key', 'list', '--network-acknowledged'])).toThrow(
    '--network-acknowledged goes with audit export, workstation init, ceremony run, ceremony resume and ceremony abort.',
  );
});
